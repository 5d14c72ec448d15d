"""A first load into an empty archive, in bulk.

Writing a comment row costs more for the indexes that only pages read and for
its foreign-key checks than for the row itself, while the same indexes built
once over the loaded table cost a fraction of that (docs/scaling.md has the
figures). So a large import into an archive with no posts yet drops them
first and builds them when the captures are written, then gives the planner
fresh statistics. What stays is what an import itself needs: the unique
indexes, which make a re-run a no-op and two importers safe (and find a
batch's existing posts and comments), and the capture-hash index every batch
looks its files up in.

Whatever stops a load halfway, the next import or `migrate` puts back
anything missing (`restore`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.db import connection, models, transaction

from comments.models import Comment
from posts.models import Post

# A load of fewer captures than this is quick either way, and leaves the
# indexes alone.
BULK_FILES = 1000

# Post indexes an import reads while it writes (known_captures).
_KEPT = {"post_capture_hashes"}
_FOREIGN_KEYS = ((Comment, "post"), (Comment, "parent"))
_MODELS = (Post, Comment)
_FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"  # Django's, for a key's name


def applies(files: int) -> bool:
    """Whether an import of `files` captures loads in bulk: a large one into an
    archive that has no posts (so no reader or moderator is using it)."""
    return files >= BULK_FILES and not Post.objects.exists()


@contextmanager
def bulk_load() -> Iterator[None]:
    """Write with the page indexes and foreign keys dropped; build them at the end,
    however the writing ends."""
    drop()
    try:
        yield
    finally:
        restore()


def _field(model, name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _secondary(model) -> list:
    return [index for index in model._meta.indexes if index.name not in _KEPT]


def _foreign_key(constraints: dict, field) -> str | None:
    for name, constraint in constraints.items():
        if constraint["foreign_key"] and constraint["columns"] == [field.column]:
            return name
    return None


def _constraints(cursor) -> dict:
    return {
        model: connection.introspection.get_constraints(cursor, model._meta.db_table)
        for model in _MODELS
    }


def drop() -> None:
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        with connection.cursor() as cursor:
            present = _constraints(cursor)
        for model in _MODELS:
            for index in _secondary(model):
                editor.remove_index(model, index)
        for model, name in _FOREIGN_KEYS:
            field = _field(model, name)
            if found := _foreign_key(present[model], field):
                editor.execute(editor._delete_fk_sql(model, found))  # type: ignore[attr-defined]


def matches_models(state) -> bool:
    """Whether a migration state (its `apps`) declares the indexes the models do."""
    for model in _MODELS:
        declared = state.get_model(model._meta.app_label, model._meta.model_name)
        names = {index.name for index in declared._meta.indexes}
        if not names >= {index.name for index in _secondary(model)}:
            return False
    return True


def missing() -> list[str]:
    """The names of the secondary indexes and foreign keys the database lacks."""
    with connection.cursor() as cursor:
        return _names(*_absent(_constraints(cursor)))


def _names(indexes: list, keys: list) -> list[str]:
    return [index.name for _, index in indexes] + [
        f"{model._meta.db_table}.{field.column} foreign key" for model, field in keys
    ]


def _absent(present: dict) -> tuple[list, list]:
    """(model, index) and (model, field) pairs of what `present` lacks."""
    indexes = [
        (model, index)
        for model in _MODELS
        for index in _secondary(model)
        if index.name not in present[model]
    ]
    keys = [
        (model, field)
        for model, field in ((model, _field(model, name)) for model, name in _FOREIGN_KEYS)
        if _foreign_key(present[model], field) is None
    ]
    return indexes, keys


def restore() -> list[str]:
    """Build every secondary index and foreign key that is missing, in one
    transaction, and refresh the tables' statistics; return what was built."""
    if not missing():
        return []
    with (
        transaction.atomic(),
        connection.schema_editor(atomic=False) as editor,
        connection.cursor() as cursor,
    ):
        # Two importers finishing at once: the second waits, then finds them built.
        tables = ", ".join(model._meta.db_table for model in _MODELS)
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        indexes, keys = _absent(_constraints(cursor))
        if not (built := _names(indexes, keys)):
            return []
        # Sorting in memory rather than on disk; for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # A caller's transaction that wrote rows (a test's, say) still owes
        # their deferred checks, and PostgreSQL alters no table that does:
        # make them now. Every deferrable constraint Django makes starts deferred.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model, index in indexes:
            editor.add_index(model, index)
        for model, field in keys:
            # Django's own statement and name for the key, as migrations write it;
            # adding it checks every row in one pass.
            editor.execute(editor._create_fk_sql(model, field, _FK_SUFFIX))  # type: ignore[attr-defined]
        cursor.execute(f"ANALYZE {tables}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return built
