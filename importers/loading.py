"""Write parsed captures to the database.

A batch of captures is written in one transaction with a handful of statements
whatever its size: that is what makes a large import fast. When the database
refuses a batch (another importer took the same post or comment a moment
earlier: the unique constraints are the arbiter), the batch is rolled back and
its captures are written again one transaction each, so that one failing file
loses nothing of the others and writes nothing of its own.

Identity, which makes every re-run a no-op:
- a post is its publication time and title (`post_natural_key`);
- an imported comment is its post, a digest of its author, posted time and
  text, and which repeat it is of an identical comment within its capture
  (`imported_comment_identity`). Comments are only ever added: a comment a
  moderator removed stays removed, and comments written on the site are never
  touched.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import IMPORTED, Comment, PurgedComment, Status
from comments.paths import segment_at
from importers.models import ImportedFile
from importers.reading import Capture
from posts.models import Post


@dataclass(frozen=True, slots=True)
class Outcome:
    source: str
    post_created: bool = False
    post_updated: bool = False
    comments_added: int = 0
    error: str | None = None
    post_id: int | None = None  # an export's: one file writes many posts

    @property
    def changed(self) -> bool:
        return self.post_created or self.post_updated or self.comments_added > 0


def comment_fingerprint(author: str, unix_seconds: int, body: str) -> str:
    """What recognises an imported comment in a later capture: its author, posted
    time (seconds since 1970) and text (paragraphs joined by a blank line)."""
    text = f"{author}\x1f{unix_seconds}\x1f{body}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class DatabaseUnreachable(Exception):
    """The database cannot be reached: no capture can be written, so the
    import stops, saying so once rather than once a file."""


def known_captures(digests: Collection[str]) -> dict[str, int]:
    """{digest: post id} of the digests some post has imported before (on
    `post_capture_hashes`): a file seen again changes nothing, and need not
    even be parsed."""
    if not digests:
        return {}
    try:
        found = Post.objects.filter(capture_hashes__has_any_keys=list(digests))
        rows = found.values_list("pk", "capture_hashes")
        return {digest: pk for pk, hashes in rows for digest in hashes if digest in digests}
    except DatabaseError as error:
        if not connection.is_usable():
            raise DatabaseUnreachable(first_line(error)) from None
        raise


def record_unchanged(files: Sequence[tuple[str, str, int]], *, run_id: int | None) -> list[Outcome]:
    """The Outcomes of files (source, digest, post id) seen before, and their
    lines in run `run_id`'s ledger."""
    if run_id is not None and files:
        with transaction.atomic(), connection.cursor() as cursor:
            # As a batch's writes: a crash loses at most the last lines, which
            # a re-run writes again; no commit waits for the disk meanwhile.
            cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
            ImportedFile.objects.bulk_create(
                ImportedFile(run_id=run_id, path=source, outcome=ImportedFile.Outcome.UNCHANGED,
                             post_id=post_id, digest=digest)
                for source, digest, post_id in files
            )  # fmt: skip
    return [Outcome(source) for source, _, _ in files]


def load(captures: Sequence[Capture], *, run_id: int | None = None) -> list[Outcome]:
    """Write captures (distinct posts) and say what each one changed; with
    `run_id`, record it in that run's ledger, in the same transaction.

    Never raises for one capture's sake: a capture the database refuses even
    on its own comes back as an Outcome with `error` set. Raises
    DatabaseUnreachable when the database itself is gone.
    """
    try:
        return _write_batch(captures, run_id)
    except DatabaseError as error:
        if not connection.is_usable():
            raise DatabaseUnreachable(first_line(error)) from None
        return [outcome for one in captures for outcome in _retry_alone(one, run_id)]


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _retry_alone(one: Capture, run_id: int | None, attempts: int = 3) -> list[Outcome]:
    refusal: DatabaseError | None = None
    for _ in range(attempts):
        try:
            return _write_batch([one], run_id)
        except IntegrityError as error:
            # Lost a race with another importer: read what it wrote and go again.
            refusal = error
        except DatabaseError as error:
            refusal = error
            break
    return [Outcome(one.source, error=f"the database refused it: {refusal}")]


@transaction.atomic
def _write_batch(captures: Sequence[Capture], run_id: int | None = None) -> list[Outcome]:
    with connection.cursor() as cursor:
        # For this transaction only (the third argument): a crash can lose only
        # the last moments of an import, which a re-run restores, and in
        # exchange no commit waits for the disk; and this batch counts the
        # comments it adds to each post's comment_count itself, in the post
        # rows it writes anyway (comments migration 0004).
        cursor.execute(
            "SELECT set_config('synchronous_commit', 'off', true),"
            " set_config('afterword.import_counts', 'on', true)"
        )
    existing = _existing_posts(captures)
    now = timezone.now()
    outcomes: dict[str, Outcome] = {}
    ledger: list[ImportedFile] = []
    new_posts: list[tuple[Capture, Post]] = []
    changed: list[tuple[Capture, Post]] = []
    for one in captures:
        post = existing.get(one.key)
        if post is None:
            new_posts.append((one, _new_post(one, now)))
        elif one.digest in post.capture_hashes:
            # Seen before: nothing to add, and an older capture imported again
            # must not take the post's text back.
            outcomes[one.source] = Outcome(one.source)
            ledger.append(_entry(one, post, ImportedFile.Outcome.UNCHANGED))
        else:
            changed.append((one, post))

    assign_slugs([post for _, post in new_posts])
    _insert_posts([post for _, post in new_posts])

    comments: list[tuple] = []
    for one, post in new_posts:
        comments.extend(_comments(one, post, known=set(), after=0, now=now))
        outcomes[one.source] = Outcome(
            one.source, post_created=True, comments_added=len(one.archive.comments)
        )
        ledger.append(
            _entry(one, post, ImportedFile.Outcome.CREATED, added=(0, post.last_comment_number))
        )

    # Their bodies, only now: a re-run of unchanged captures never reads them.
    # Locked, so that a comment written on the site meanwhile waits, rather
    # than being lost from the counters this batch writes back.
    current = Post.objects.select_for_update().in_bulk([post.pk for _, post in changed])
    changed = [(one, current[post.pk]) for one, post in changed]
    known = _known_comments([post for _, post in changed])
    exported = _exported_comments([post for _, post in changed])
    updated: list[Post] = []
    for one, post in changed:
        added = _comments(
            one, post, known=known[post.pk], after=post.last_comment_number, now=now,
            exported=exported.get(post.pk),
        )  # fmt: skip
        entry = _entry(
            one,
            post,
            ImportedFile.Outcome.UPDATED,
            added=(post.last_comment_number, post.last_comment_number + len(added)),
        )
        entry.previous = {name: getattr(post, name) for name in _PREVIOUS}  # fmt: skip
        ledger.append(entry)
        post.last_comment_number += len(added)
        post.comment_count += len(added)  # imported comments are published
        comments.extend(added)
        post_updated = _refresh_post(post, one, now)
        updated.append(post)
        outcomes[one.source] = Outcome(
            one.source, post_updated=post_updated, comments_added=len(added)
        )
    Post.objects.bulk_update(
        updated,
        ["author", "published_text", "body", "source_name", "source_hash", "capture_hashes",
         "last_comment_number", "comment_count", "updated_at"],
    )  # fmt: skip
    if run_id is not None:
        for entry in ledger:
            entry.run_id = run_id
        ImportedFile.objects.bulk_create(ledger)
    if comments:
        _insert_comments(comments)
        with connection.cursor() as cursor:
            # "For this transaction" outlasts the batch when a caller's
            # transaction holds it: comments written after it there are the
            # trigger's to count.
            cursor.execute("SELECT set_config('afterword.import_counts', 'off', true)")
    return [outcomes[one.source] for one in captures]


# What a later capture replaces of a post, kept in the ledger for an undo.
_PREVIOUS = ("author", "published_text", "body", "source_name", "source_hash")


def _entry(one: Capture, post: Post, outcome: str, *, added=(0, 0)) -> ImportedFile:
    """The ledger's line for a file; `added`: the comment numbers after which
    it added comments, and the last it added."""
    after, last = added
    return ImportedFile(
        path=one.source, outcome=outcome, post_id=post.pk, digest=one.digest,
        first_number=after + 1 if last > after else None,
        last_number=last if last > after else None,
    )  # fmt: skip


def _existing_posts(captures: Sequence[Capture]) -> dict[tuple[datetime, str], Post]:
    keys = {one.key for one in captures}
    found = Post.objects.filter(published__in={published for published, _ in keys}).only(
        "id", "published", "title", "capture_hashes"
    )
    return {
        (post.published, post.title): post for post in found if (post.published, post.title) in keys
    }


def _new_post(one: Capture, now: datetime) -> Post:
    archive = one.archive
    return Post(
        title=archive.title,
        slug=Post.base_slug(archive.title),
        author=archive.author,
        published=archive.published,
        published_text=archive.published_text,
        body="\n\n".join(archive.body),
        source_name=one.source,
        source_hash=one.digest,
        capture_hashes=[one.digest],
        last_comment_number=len(archive.comments),
        comment_count=len(archive.comments),
        time_zone=getattr(archive.published.tzinfo, "key", ""),
        created_at=now,
        updated_at=now,
    )


def assign_slugs(posts: list[Post]) -> None:
    """Give each new post a slug no other post has: its title's, or that with -2, -3…"""
    if not posts:
        return
    taken = set(
        Post.objects.filter(slug__in={post.slug for post in posts}).values_list("slug", flat=True)
    )
    repeated = {slug for slug, n in Counter(post.slug for post in posts).items() if n > 1}
    if bases := sorted(taken | repeated):
        # The numbered slugs of every title seen before, in one statement
        # whatever the batch holds (a LIKE prefix each, on the slug index).
        numbered = reduce(or_, (Q(slug__startswith=f"{base}-") for base in bases))
        taken |= set(Post.objects.filter(numbered).values_list("slug", flat=True))
    for post in posts:
        base, suffix = post.slug, 1
        while post.slug in taken:
            suffix += 1
            post.slug = f"{base}-{suffix}"
        taken.add(post.slug)


def _known_comments(posts: list[Post]) -> dict[int, set[tuple[str, int]]]:
    known: dict[int, set[tuple[str, int]]] = {post.pk: set() for post in posts}
    if posts:
        rows = (
            Comment.objects.filter(post__in=posts)
            .imported()
            .values_list("post_id", "fingerprint", "occurrence")
        )
        # A deleted comment's row stays, and a purged one leaves a record:
        # either way the capture's comment is known, and never comes back.
        purged = (
            PurgedComment.objects.filter(post__in=posts)
            .filter(IMPORTED)
            .values_list("post_id", "fingerprint", "occurrence")
        )
        for post_id, fingerprint, occurrence in (*rows, *purged):
            known[post_id].add((fingerprint, occurrence))
    return known


def _exported_comments(posts: list[Post]) -> dict[int, Counter[tuple[str, datetime]]]:
    """(name, minute) of the comments an export brought to each post: a
    capture of the post taken later shows them too, and must not add them again."""
    found: dict[int, Counter[tuple[str, datetime]]] = {}
    if posts:
        rows = Comment.objects.filter(post__in=posts).exclude(source_key="")
        for post_id, name, posted in rows.values_list("post_id", "author_name", "posted"):
            minute = posted.replace(second=0, microsecond=0)
            found.setdefault(post_id, Counter())[(name, minute)] += 1
    return found


def _comments(
    one: Capture, post: Post, *, known: set[tuple[str, int]], after: int, now: datetime,
    exported: Counter[tuple[str, datetime]] | None = None,
) -> list[tuple]:  # fmt: skip
    """Rows (in COMMENT_ROW order) for the capture's comments that `known`
    lacks, numbered from `after` + 1. Plain tuples: a large import makes
    hundreds of thousands, and COPY needs nothing more."""
    repeats: Counter[str] = Counter()
    rows: list[tuple] = []
    number = after
    for parsed in one.archive.comments:
        seconds = int(parsed.posted.timestamp())
        body = "\n\n".join(parsed.body)
        fingerprint = comment_fingerprint(parsed.author, seconds, body)
        occurrence = repeats[fingerprint]
        repeats[fingerprint] += 1
        if (fingerprint, occurrence) in known:
            continue
        if exported and exported[(parsed.author, parsed.posted)] > 0:
            exported[(parsed.author, parsed.posted)] -= 1  # an export brought it already
            continue
        number += 1
        rows.append(
            (post.pk, number, segment_at(seconds, number), parsed.author, "", "", body,
             parsed.posted, parsed.posted_text, Status.PUBLISHED,
             one.source, parsed.line, fingerprint, occurrence, now)
        )  # fmt: skip
    return rows


def _refresh_post(post: Post, one: Capture, now: datetime) -> bool:
    """Take a later capture's text of the post; True if any of it differed."""
    archive = one.archive
    fresh = {
        "author": archive.author,
        "published_text": archive.published_text,
        "body": "\n\n".join(archive.body),
    }
    if post.body_format == Post.BodyFormat.HTML:
        del fresh["body"]  # an export's text, richer than a capture's, stays
    differs = any(getattr(post, name) != value for name, value in fresh.items())
    for name, value in fresh.items():
        setattr(post, name, value)
    post.source_name = one.source
    post.source_hash = one.digest
    post.capture_hashes = [*post.capture_hashes, one.digest]
    post.updated_at = now
    return differs


def copy_fields(model, *, left_to_database: Sequence[str] = ()) -> tuple[str, ...]:
    """The fields of `model` a COPY writes, in the model's order: every stored
    field but the generated ones and those left to the database (each of which
    must be nullable or have a db_default: COPY passes Django's defaults by)."""
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if not field.generated and field.name not in left_to_database
    )


# A new post is a Post instance with every field set, the id included.


def _insert_posts(posts: list[Post]) -> None:
    if not posts:
        return
    # Ids from the sequence in one statement, then COPY: comments need the ids,
    # and bulk_create costs more than all the rest of a post's import.
    reserve_ids(Post, posts)
    copy_rows(Post, posts)


def reserve_ids(model, objects: Sequence) -> None:
    """Give each object an id from its table's sequence, in one statement."""
    if not objects:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(objects)],
        )
        for one, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            one.pk = pk


def copy_rows(model, objects: Sequence, fields: Sequence[str] | None = None) -> None:
    """Write model instances, ids set, with one COPY."""
    if not objects:
        return
    fields = fields or copy_fields(model)
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    # Binary COPY takes an address as Python's ipaddress, not the str a model holds.
    addresses = {i for i, name in enumerate(fields)
                 if isinstance(by_attname[name], models.GenericIPAddressField)}  # fmt: skip

    def row(one) -> list:
        values = [getattr(one, name) for name in fields]
        for i in addresses:
            values[i] = ipaddress.ip_address(values[i]) if values[i] else None
        return values

    with connection.cursor() as cursor:
        copy_tuples(cursor, model, fields, (row(one) for one in objects))
    for one in objects:
        one._state.adding = False


def copy_tuples(cursor, model, fields: Sequence[str], rows) -> None:
    """Write rows (in `fields`' order) with one binary COPY."""
    # Binary COPY: PostgreSQL's fastest way in, and no text escaping of bytea.
    table = model._meta.db_table
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    columns = ", ".join(by_attname[name].column for name in fields)
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    types = [by_attname[name].db_type(connection).split("(")[0] for name in fields]
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


# An imported comment is a plain tuple that _comments() builds in COMMENT_ROW
# order, which must be the model's (tests/test_import_command.py checks it);
# what only a site comment has is left to the database.
COMMENT_LEFT_TO_DATABASE = (
    "id", "parent", "ip_address", "edited_at", "submission", "written_by", "deleted_at",
    "deleted_by", "body_format", "body_html", "source_key",
)  # fmt: skip
COMMENT_ROW = (
    "post_id", "number", "path", "author_name", "email", "website", "body", "posted",
    "posted_text", "status", "source_file", "source_line", "fingerprint", "occurrence",
    "created_at",
)  # fmt: skip
_COMMENT_FIELDS = copy_fields(Comment, left_to_database=COMMENT_LEFT_TO_DATABASE)


def _insert_comments(rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        copy_tuples(cursor, Comment, _COMMENT_FIELDS, rows)
