"""A first load into an empty archive, in bulk: page indexes and foreign keys
built once at the end, the same archive and the same schema as row by row."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from importers import bulk
from importers.management.commands import import_archive
from importers.models import ImportRun
from posts.models import Post
from tests.conftest import ARCHIVES, MAHDI, SAMPLE_COMMENTS, SAMPLE_FILES

pytestmark = pytest.mark.django_db

ANNOUNCED = "A first load into an empty archive: building the search and page indexes"


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def schema() -> dict:
    with connection.cursor() as cursor:
        return {
            table: connection.introspection.get_constraints(cursor, table)
            for table in ("posts_post", "comments_comment")
        }


def archive() -> tuple[list, list]:
    posts = Post.objects.order_by("slug").values_list("slug", "title", "body", "comment_count")
    comments = Comment.objects.order_by("post__slug", "number").values_list(
        "post__slug", "number", "path", "author_name", "body", "posted", "status"
    )
    return list(posts), list(comments)


@pytest.fixture
def small_bulk(monkeypatch):
    """Bulk from the first file on, so that the samples take that way."""
    monkeypatch.setattr(bulk, "BULK_FILES", 1)


def test_a_bulk_load_makes_the_archive_and_schema_a_row_by_row_one_does(small_bulk):
    before = schema()
    with CaptureQueriesContext(connection) as queries:
        out = run(ARCHIVES)
    assert ANNOUNCED in out
    statements = [query["sql"] for query in queries]
    assert any(sql.startswith('DROP INDEX IF EXISTS "comment_search"') for sql in statements)
    assert any(sql.startswith('CREATE INDEX "comment_search"') for sql in statements)
    assert any(sql.startswith("ANALYZE") for sql in statements)
    assert schema() == before
    assert bulk.missing() == []
    in_bulk = archive()
    assert len(in_bulk[1]) == SAMPLE_COMMENTS
    assert ImportRun.objects.get().options["bulk"] is True

    Comment.objects.all().delete()
    Post.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        out = run(ARCHIVES, "--no-bulk")
    assert ANNOUNCED not in out
    assert not any("DROP INDEX" in query["sql"] for query in queries)
    assert archive() == in_bulk
    assert ImportRun.objects.latest("pk").options["bulk"] is False


def test_only_a_large_load_into_an_empty_archive_goes_in_bulk():
    assert bulk.applies(bulk.BULK_FILES)
    assert not bulk.applies(bulk.BULK_FILES - 1)
    out = run(ARCHIVES)  # fewer files than that
    assert ANNOUNCED not in out
    assert not bulk.applies(bulk.BULK_FILES)  # the archive has posts now


def test_a_bulk_load_into_an_archive_with_posts_never_starts(small_bulk):
    run(MAHDI)
    with CaptureQueriesContext(connection) as queries:
        out = run(ARCHIVES)
    assert ANNOUNCED not in out
    assert not any("DROP INDEX" in query["sql"] for query in queries)


def test_a_load_stopped_halfway_builds_its_indexes_as_it_stops(small_bulk, monkeypatch):
    real_run_import = import_archive.run_import

    def interrupted(*args, **kwargs):
        reports = real_run_import(*args, **kwargs)
        yield next(reports)
        assert bulk.missing()  # written without them, so far
        raise KeyboardInterrupt

    monkeypatch.setattr(import_archive, "run_import", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(ARCHIVES, "--batch-size", "1")
    assert bulk.missing() == []


def test_the_next_import_builds_what_a_killed_load_left_out():
    before = schema()
    bulk.drop()  # as a load killed before it could build them leaves the tables
    assert "comment_search" in bulk.missing()
    assert "comments_comment.post_id foreign key" in bulk.missing()
    left_out = bulk.missing()
    out = run(MAHDI)
    assert out.startswith(
        f"Built again what an import stopped halfway had left out: {', '.join(left_out)}.\n"
    )
    assert bulk.missing() == []
    assert schema() == before


def test_migrate_builds_what_a_killed_load_left_out():
    before = schema()
    bulk.drop()
    call_command("migrate", verbosity=0)
    assert bulk.missing() == []
    assert schema() == before


def test_a_dry_run_or_the_ledger_touch_no_index(small_bulk):
    bulk.drop()
    missing = bulk.missing()
    run(ARCHIVES, "--dry-run")
    run("--list")
    assert bulk.missing() == missing


def test_two_finishing_loads_build_each_index_once():
    bulk.drop()
    first = bulk.restore()
    assert "comment_search" in first
    assert bulk.restore() == []


def test_a_refused_file_in_a_bulk_load_loses_nothing_else(small_bulk, tmp_path):
    for capture in ARCHIVES.glob("*.txt"):
        (tmp_path / capture.name).write_bytes(capture.read_bytes())
    (tmp_path / "broken.txt").write_text("A title\n\nno byline here\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_archive", str(tmp_path), stdout=out, stderr=err)
    assert f"{tmp_path / 'broken.txt'}:3: missing byline" in err.getvalue()
    assert f"Files: {SAMPLE_FILES} imported" in out.getvalue()
    assert Comment.objects.count() == SAMPLE_COMMENTS
    assert bulk.missing() == []
