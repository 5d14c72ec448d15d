"""import_archive end to end: the real command on real files, into PostgreSQL."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment, Status
from importers import loading, running
from importers.models import ImportRun
from importers.reading import read_capture
from importers.sources import Source
from posts.models import Post
from tests.conftest import (
    ARCHIVES,
    MAHDI,
    NEW_YORK,
    SAMPLE_COMMENTS,
    SAMPLE_FILES,
    SAMPLE_POSTS,
)
from tests.factories import reply

pytestmark = pytest.mark.django_db


def run(*args):
    """Run the command; return (stdout, stderr, error or None)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_imports_a_folder_of_captures():
    out, err, error = run(ARCHIVES)
    assert error is None
    assert err == ""
    assert out.strip() == (
        f"Files: {SAMPLE_FILES} imported, 0 unchanged, 0 failed. "
        f"Posts: {SAMPLE_POSTS} created, 0 updated. "
        f"Comments: {SAMPLE_COMMENTS} added. 0 warnings. "
        f"Recorded as run {ImportRun.objects.get().pk} (import_archive --show "
        f"{ImportRun.objects.get().pk})."
    )
    assert Post.objects.count() == SAMPLE_POSTS
    assert Comment.objects.count() == SAMPLE_COMMENTS


def test_imported_rows_keep_every_word_and_where_it_came_from():
    run(MAHDI)
    post = Post.objects.get()
    assert post.title == "AP: Mahdi Army fractures, defectors now loyal to Iran"
    assert post.slug == "ap-mahdi-army-fractures-defectors-now-loyal-to-iran"
    assert post.byline == "posted at 7:27 pm on March 21, 2007 by Allahpundit"
    assert post.published.isoformat() == "2007-03-21T23:27:00+00:00"
    assert post.source_name == str(MAHDI)
    expected = json.loads((ARCHIVES / "expected" / f"{MAHDI.stem}.jsonl").read_text())
    assert post.paragraphs == expected["body"]

    comments = list(Comment.objects.filter(post=post).order_by("path"))
    assert [
        {"author": c.author_name, "posted": c.posted.astimezone(NEW_YORK).isoformat(),
         "body": c.paragraphs}
        for c in comments
    ] == expected["comments"]  # fmt: skip
    first = comments[0]
    assert first.signature == "NEMETI IN SYRACUSE on March 21, 2007 at 7:33 PM"
    assert (first.source_file, first.source_line) == (str(MAHDI), 50)
    assert MAHDI.read_text().splitlines()[49] == first.signature
    assert all(c.is_imported and c.status == Status.PUBLISHED for c in comments)
    assert [c.number for c in comments] == list(range(1, 16))
    assert post.last_comment_number == 15


def test_reimporting_changes_nothing():
    run(ARCHIVES)
    before = list(Comment.objects.values_list("id", "path", "status").order_by("id"))
    out, _, error = run(ARCHIVES)
    assert error is None
    assert f"Files: 0 imported, {SAMPLE_FILES} unchanged, 0 failed." in out
    assert "Comments: 0 added." in out
    assert list(Comment.objects.values_list("id", "path", "status").order_by("id")) == before


PAGES = sorted(ARCHIVES.glob("2010-03-21-house-passes-health-bill-comment-page-*.txt"))


@pytest.mark.parametrize("order", [PAGES, PAGES[::-1]], ids=["in order", "last page first"])
def test_comment_pages_of_one_post_become_one_thread_in_time_order(order):
    for page in order:
        run(page)
    post = Post.objects.get()
    thread = [(c.author_name, c.posted_text) for c in Comment.objects.thread(post)]
    assert thread == [
        ("Ward Cleaver", "March 21, 2010 at 10:52 PM"),
        ("Tennessee Tina", "March 21, 2010 at 10:53 PM"),
        ("Statehouse Watcher", "March 21, 2010 at 10:58 PM"),
        ("Ward Cleaver", "March 21, 2010 at 11:04 PM"),
        ("Tennessee Tina", "March 22, 2010 at 12:15 AM"),
    ]
    for page in order:
        out, _, _ = run(page)
        assert "Files: 0 imported, 1 unchanged" in out
    assert Comment.objects.count() == len(thread)


def test_an_older_capture_imported_again_never_takes_the_text_back(capture_file):
    text = MAHDI.read_text().replace("Pretty well sourced, too.", "Pretty well sourced.")
    later = capture_file(text)
    run(MAHDI)
    run(later)
    for _ in range(2):  # both captures again, in the order first given
        out, _, _ = run(MAHDI, later)
        assert "Files: 0 imported, 2 unchanged, 0 failed. Posts: 0 created, 0 updated." in out
    out, _, _ = run(MAHDI)
    assert "Files: 0 imported, 1 unchanged" in out
    post = Post.objects.get()
    assert post.paragraphs[1] == "Pretty well sourced."
    assert post.source_name == str(later)
    assert len(post.capture_hashes) == 2


def later_capture(capture_file, extra: str, name="later.txt"):
    return capture_file(MAHDI.read_text() + "\n\n" + extra, name)


def test_later_capture_updates_the_post_and_adds_only_new_comments(capture_file):
    run(MAHDI)
    text = MAHDI.read_text().replace("Pretty well sourced, too.", "Pretty well sourced.")
    later = capture_file(text + "\n\nLate to this.\n\nNightOwl on March 23, 2007 at 2:00 AM\n")
    out, _, _ = run(later)
    assert "Files: 1 imported, 0 unchanged, 0 failed. Posts: 0 created, 1 updated." in out
    assert "Comments: 1 added." in out
    post = Post.objects.get()
    assert post.paragraphs[1] == "Pretty well sourced."
    assert post.source_name == str(later)
    newest = Comment.objects.filter(post=post).order_by("path").last()
    assert (newest.author_name, newest.number, newest.source_file) == ("NightOwl", 16, str(later))
    assert Comment.objects.count() == 16


def test_capture_differing_only_in_chrome_counts_as_unchanged(capture_file):
    run(MAHDI)
    text = MAHDI.read_text().replace(
        "Breaking on Hot Air", "Breaking on Hot Air\n\nAnother headline"
    )
    out, _, _ = run(capture_file(text))
    assert "Files: 0 imported, 1 unchanged, 0 failed." in out


def test_exact_repeats_within_a_capture_are_kept_and_recognised(capture_file):
    double = "Same words.\n\nEcho on March 22, 2007 at 9:00 AM\n\n" * 2
    run(later_capture(capture_file, double))
    assert Comment.objects.filter(author_name="Echo").count() == 2
    # A later capture with the pair plus a third repeat adds just the third.
    out, _, _ = run(later_capture(capture_file, double * 2, "even-later.txt"))
    assert "Comments: 2 added." in out
    echoes = Comment.objects.filter(author_name="Echo")
    assert sorted(echoes.values_list("occurrence", flat=True)) == [0, 1, 2, 3]


def test_reimport_keeps_removed_and_spam_comments_hidden_and_site_comments_untouched(
    capture_file,
):
    run(MAHDI)
    post = Post.objects.get()
    removed, spam = Comment.objects.filter(post=post).order_by("path")[:2]
    Comment.objects.filter(pk=removed.pk).update(status=Status.REMOVED)
    Comment.objects.filter(pk=spam.pk).update(status=Status.SPAM)
    site = reply(removed, author_name="Live reader", body="Replying today.")

    run(MAHDI)
    run(later_capture(capture_file, "New.\n\nNightOwl on March 23, 2007 at 2:00 AM\n"))

    assert Comment.objects.get(pk=removed.pk).status == Status.REMOVED
    assert Comment.objects.get(pk=spam.pk).status == Status.SPAM
    site.refresh_from_db()
    assert (site.body, site.status, site.parent_id) == ("Replying today.", "published", removed.pk)
    assert Comment.objects.filter(post=post).count() == 15 + 1 + 1
    # The new capture's comment is numbered after the site comment, not over it.
    assert Comment.objects.get(author_name="NightOwl").number == 17


def test_a_bad_file_writes_nothing_and_the_others_go_on(tmp_path):
    folder = tmp_path / "captures"
    shutil.copytree(ARCHIVES, folder, ignore=shutil.ignore_patterns("expected"))
    bad = folder / "2007-03-22-broken.txt"
    bad.write_text(
        "Broken\n\nposted at 1:00 pm on March 22, 2007 by X\n\nBody.\n\nTrackback URL\n\n"
        "Hi.\n\nAnn on March 22, 2007 at 1:05 PM\n\nBye.\n\nBob on February 30, 2007 at 1:10 PM\n"
    )
    out, err, error = run(folder)
    assert err.strip() == f"{bad}:15: date does not exist: February 30, 2007"
    assert str(error) == f"1 of {SAMPLE_FILES + 1} files failed; see the errors above."
    assert f"Files: {SAMPLE_FILES} imported, 0 unchanged, 1 failed." in out
    assert not Post.objects.filter(title="Broken").exists()
    assert not Comment.objects.filter(author_name="Ann").exists()
    assert Post.objects.count() == SAMPLE_POSTS


def test_missing_path_is_reported_and_the_rest_imported(tmp_path):
    out, err, error = run(tmp_path / "nowhere", MAHDI)
    assert err.strip() == f"{tmp_path / 'nowhere'}: no such file or directory"
    assert error is not None
    assert Post.objects.count() == 1


def test_warnings_are_reported_and_counted(capture_file):
    text = MAHDI.read_text().replace("’", "'") + "\n\nUnsigned afterthought.\n"
    path = capture_file(text.encode("cp1252"))
    out, err, error = run(path)
    assert error is None
    lines = err.strip().splitlines()
    assert lines[0] == f"{path}: warning: not valid UTF-8; read as Windows-1252"
    dangling = text.splitlines().index("Unsigned afterthought.") + 1
    assert lines[1].startswith(f"{path}:{dangling}: warning: 1 paragraph(s)")
    assert "2 warnings." in out


def test_dry_run_json_prints_the_contract_and_touches_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        out, err, error = run("--dry-run", "--json", ARCHIVES)
    assert (err, error) == ("", None)
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in records] == [str(p) for p in sorted(ARCHIVES.glob("*.txt"))]
    for record in records:
        stem = Path(record.pop("source")).stem
        expected = json.loads((ARCHIVES / "expected" / f"{stem}.jsonl").read_text())
        assert record == expected
    assert Post.objects.count() == 0


def test_dry_run_json_stdout_is_only_json_lines_in_a_real_process():
    """As an archivist's script reads it: logging must not reach stdout."""
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "manage.py", "import_archive", "--dry-run", "--json", str(ARCHIVES)],
        cwd=root, capture_output=True, text=True, env={**os.environ, "DEBUG": "true"},
    )  # fmt: skip
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stderr
    assert len(lines) == SAMPLE_FILES
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_dry_run_json_prints_nothing_for_a_bad_file(capture_file):
    out, err, error = run("--dry-run", "--json", capture_file(""))
    assert out == ""
    assert err.strip().endswith("capture.txt:1: empty file: no title")
    assert error is not None


def test_timezone_option(capture_file):
    run("--timezone", "Europe/London", MAHDI)
    assert Post.objects.get().published.isoformat() == "2007-03-21T19:27:00+00:00"
    _, _, error = run("--timezone", "Mars/Olympus", MAHDI)
    assert "not an IANA time zone" in str(error)


def test_quiet_prints_nothing_on_success():
    out, err, error = run("--quiet", ARCHIVES)
    assert (out, err, error) == ("", "", None)


def test_two_captures_of_one_post_in_one_run(capture_file):
    later = later_capture(capture_file, "New.\n\nNightOwl on March 23, 2007 at 2:00 AM\n")
    out, _, _ = run(MAHDI, later)
    assert "Posts: 1 created, 0 updated. Comments: 16 added." in out
    assert Comment.objects.count() == 16


def test_same_title_same_day_gets_a_distinct_slug(capture_file):
    first = capture_file(
        "Open thread\n\nposted at 9:00 am on May 1, 2008 by A\n\nMorning.\n", "a.txt"
    )
    second = capture_file(
        "Open thread\n\nposted at 9:00 pm on May 1, 2008 by A\n\nEvening.\n", "b.txt"
    )
    run(first, second)
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["open-thread", "open-thread-2"]
    third = capture_file(
        "Open thread\n\nposted at 9:00 am on May 2, 2008 by A\n\nNext day.\n", "c.txt"
    )
    run(third)
    assert Post.objects.filter(slug="open-thread-3").exists()


def test_a_re_run_parses_nothing_it_has_seen(tmp_path, monkeypatch):
    run(ARCHIVES)
    copy = tmp_path / "the-same-bytes-elsewhere.txt"
    copy.write_bytes(MAHDI.read_bytes())
    parsed = []
    real = running.parse_raw
    monkeypatch.setattr(
        running, "parse_raw", lambda raw, zone: parsed.append(raw) or real(raw, zone)
    )
    out, _, error = run(ARCHIVES, copy, "--jobs", "1")
    assert error is None
    assert parsed == []
    assert f"Files: 0 imported, {SAMPLE_FILES + 1} unchanged, 0 failed." in out
    run_ = ImportRun.objects.latest("pk")
    lines = run_.files.values_list("outcome", flat=True)
    assert list(lines) == ["unchanged"] * (SAMPLE_FILES + 1)
    assert run_.files.get(path=str(copy)).post == Post.objects.get(source_name=str(MAHDI))


def test_repeated_titles_cost_no_statement_each(capture_file):
    titles = ["Open thread", "Quotes of the day", "Headlines", "Video", "Breaking"]

    def captures(day: int) -> list:
        return [
            capture_file(
                f"{titles[n % 5]}\n\nposted at {1 + n % 12}:00 am on May {day}, 2008 by A\n\n"
                f"Post {n}.\n", f"{day}/{n}.txt"
            )
            for n in range(20)
        ]  # fmt: skip

    run(*captures(1))  # every title seen before, and several times in a batch
    counted = []
    for day in (2, 3):
        with CaptureQueriesContext(connection) as queries:
            run(*captures(day))
        counted.append(sum("posts_post" in q["sql"] and "LIKE" in q["sql"] for q in queries))
    assert counted == [1, 1]  # one look-up of the numbered slugs, not one per title
    slugs = Post.objects.filter(title="Open thread").values_list("slug", flat=True)
    assert sorted(slugs) == sorted(["open-thread", *(f"open-thread-{n}" for n in range(2, 13))])


def test_the_database_refuses_a_duplicate_imported_comment():
    run(MAHDI)
    comment = Comment.objects.first()
    comment.pk = None
    comment.number = 99
    with pytest.raises(IntegrityError):
        comment.save()


def test_a_file_the_database_refuses_is_isolated_from_its_batch(capture_file):
    run(MAHDI)
    # Corrupt the post's counter so that writing a new comment collides on
    # its number: the database refuses that capture, whichever batch it is in.
    Post.objects.update(last_comment_number=0)
    later = later_capture(capture_file, "New.\n\nNightOwl on March 23, 2007 at 2:00 AM\n")
    other = ARCHIVES / "2008-11-05-the-morning-after.txt"
    captures = [read_capture(Source(str(p), str(p)), NEW_YORK) for p in (later, other)]
    failed, written = loading.load(captures)
    assert failed.error
    assert "refused" in failed.error
    assert written.error is None
    assert written.post_created
    assert Post.objects.count() == 2
    assert not Comment.objects.filter(author_name="NightOwl").exists()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal():
    terminal = Terminal()
    out = io.StringIO()
    call_command("import_archive", str(ARCHIVES), "--batch-size", "2", stdout=out, stderr=terminal)
    shown = terminal.getvalue()
    assert f"{SAMPLE_FILES}/{SAMPLE_FILES} files" in shown
    assert re.search(r"[\d.]+ files/s, [\d,]+ comments/s · [\d:?]+ left", shown), shown
    assert "\033[3" not in shown  # no colour: red is for errors
    assert shown.endswith("\r") or shown.endswith("\033[A")  # the bar leaves no line behind
    assert out.getvalue().count("Files: ") == 1  # one summary, printed once
    quiet = Terminal()
    call_command("import_archive", str(ARCHIVES), "--quiet", stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


def test_long_titles_and_names_are_never_refused(capture_file):
    # A prose line that ends like a signature makes a comment "signed" by
    # everything before the date: the archive must still go in whole.
    prose = "I have been reading this blog since the start and " * 12
    title = "A very long title " * 40
    text = (
        f"{title}\n\nposted at 1:00 pm on May 1, 2008 by {'Someone ' * 40}\n\nBody.\n\n"
        f"Trackback URL\n\n{prose}on May 1, 2008 at 1:05 PM\n"
    )
    out, err, error = run(capture_file(text))
    assert (err, error) == ("", None)
    comment = Comment.objects.get()
    assert comment.author_name == prose.strip()
    assert Post.objects.get().title == title.strip()


def test_the_copy_of_comments_writes_every_field_of_the_model():
    """A field added to Comment must be loaded by the importer, or be one a
    database default or NULL fills (COPY passes Django's defaults by)."""
    fields = {f.name: f for f in Comment._meta.concrete_fields if not f.generated}
    assert loading._COMMENT_FIELDS == loading.COMMENT_ROW, (
        "add the field to loading.COMMENT_ROW and _comments(), or to COMMENT_LEFT_TO_DATABASE"
    )
    for name in loading.COMMENT_LEFT_TO_DATABASE:
        field = fields[name]
        assert field.primary_key or field.null or field.has_db_default(), name


def test_imported_comment_rows_put_each_value_in_its_field():
    capture = read_capture(Source(str(MAHDI), str(MAHDI)), NEW_YORK)
    post = Post(pk=1, last_comment_number=0)
    (row, *_) = loading._comments(capture, post, known=set(), after=0, now=timezone.now())
    values = dict(zip(loading.COMMENT_ROW, row, strict=True))
    first = capture.archive.comments[0]
    assert values["author_name"] == first.author == "NEMETI IN SYRACUSE"
    assert values["posted_text"] == first.posted_text
    assert values["source_line"] == first.line
    assert values["status"] == Status.PUBLISHED
    assert values["number"] == 1
