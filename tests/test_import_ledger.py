"""The import ledger end to end: what each run records, --list, --show,
--undo, and the admin's import runs."""

import getpass
import io
import os
import re

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment, Status
from importers import ledger
from importers.models import ImportedFile, ImportRun
from posts.models import Post
from tests.conftest import ARCHIVES, MAHDI, SAMPLE_FILES
from tests.factories import reply

pytestmark = pytest.mark.django_db

Outcome = ImportedFile.Outcome
PAGE_1 = ARCHIVES / "2010-03-21-house-passes-health-bill-comment-page-1.txt"
PAGE_2 = ARCHIVES / "2010-03-21-house-passes-health-bill-comment-page-2.txt"


def import_(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"CommandError: {error}")
    return out.getvalue(), err.getvalue()


def last_run() -> ImportRun:
    return ImportRun.objects.order_by("-pk").first()


@pytest.fixture
def later_mahdi(capture_file):
    """A later capture of the 2007 post: its text edited, every comment again, two more."""
    text = MAHDI.read_text().replace("Pretty well sourced, too.", "Very well sourced, too.")
    text += (
        "\n\nLate to this.\n\nNightOwl on March 23, 2007 at 1:00 AM\n"
        "\n\nLater still.\n\nEarlyBird on March 24, 2007 at 6:00 AM\n"
    )
    return capture_file(text, "later/mahdi.txt")


def test_a_run_records_every_file_and_what_it_wrote(capture_file):
    import_(MAHDI)
    bad = capture_file("A title\n\nno byline here\n", "bad.txt")
    os.mkfifo(bad.parent / "pipe.txt")
    out, err = import_(ARCHIVES, bad, bad.parent / "pipe.txt")
    run = last_run()
    assert f"Recorded as run {run.pk}" in out
    assert run.kind == ImportRun.Kind.IMPORT
    assert run.status == ImportRun.Status.FINISHED
    assert run.user == getpass.getuser()
    assert run.pid == os.getpid()
    assert run.paths == [str(ARCHIVES), str(bad), str(bad.parent / "pipe.txt")]
    assert run.options == {
        "timezone": "America/New_York",
        "batch_size": 200,
        "jobs": 1,
        "bulk": False,
    }
    assert run.ended_at >= run.started_at
    files = {entry.path: entry for entry in run.files.all()}
    assert len(files) == SAMPLE_FILES + 1  # the pipe was skipped, with a warning
    mahdi = files[str(MAHDI)]
    assert (mahdi.outcome, mahdi.comments_added) == (Outcome.UNCHANGED, 0)
    page_1, page_2 = files[str(PAGE_1)], files[str(PAGE_2)]
    assert page_1.outcome == Outcome.CREATED
    assert page_2.outcome == Outcome.UPDATED
    assert page_1.post_id == page_2.post_id
    assert (page_1.first_number, page_2.first_number) == (1, page_1.last_number + 1)
    assert page_2.previous["source_name"] == str(PAGE_1)
    failed = files[str(bad)]
    assert failed.outcome == Outcome.FAILED
    assert re.match(rf"{re.escape(str(bad))}:\d+: ", failed.message)
    assert failed.message in err
    assert [w for w in run.warnings if "pipe.txt" in w] == [
        f"{bad.parent / 'pipe.txt'}: warning: a named pipe, not a capture; skipped"
    ]
    counts = (run.files_created, run.files_updated, run.files_unchanged, run.files_failed)
    assert counts == (SAMPLE_FILES - 2, 1, 1, 1)
    assert run.comments_added == sum(e.comments_added for e in files.values())


def test_a_dry_run_is_not_recorded():
    import_(ARCHIVES, "--dry-run")
    assert not ImportRun.objects.exists()


def test_list_and_show(capture_file):
    import_(MAHDI)
    import_(ARCHIVES)
    first, second = ImportRun.objects.order_by("pk")
    listing, _ = import_("--list")
    lines = listing.splitlines()
    assert [int(line.split()[0]) for line in lines] == [second.pk, first.pk]  # newest first
    assert re.match(
        rf"\s*{second.pk}  \d{{4}}-\d\d-\d\d \d\d:\d\d  {getpass.getuser()}  {SAMPLE_FILES} files: "
        rf"{SAMPLE_FILES - 2} created, 1 updated, 1 unchanged, 0 failed; \d+ comments added$",
        lines[0],
    ), lines[0]
    shown, _ = import_("--show", second.pk)
    assert shown.splitlines()[0] == lines[0]
    assert f"Paths: {ARCHIVES}" in shown
    assert f"{MAHDI}: unchanged (post {Post.objects.get(title__contains='Mahdi').pk})" in shown
    assert re.search(
        rf"{re.escape(str(PAGE_2))}: updated its post \(post \d+\), \d+ comments added", shown
    )
    text = MAHDI.read_text().replace("Zorro on", "Zorró on")
    warned = capture_file(text.encode("cp1252"), "warned.txt")  # "read as Windows-1252"
    import_(warned)
    shown, _ = import_("--show", last_run().pk)
    warning = shown.splitlines()[-1]
    assert warning.startswith(f"  {warned}:")
    assert shown.splitlines()[-2].startswith(f"{warned}: ")
    _, err = import_("--show", 999)
    assert "There is no import run 999; --list shows them." in err
    _, err = import_("--list", MAHDI)
    assert "--list, --show and --undo go alone, without paths." in err


def test_undo_takes_back_a_run_and_leaves_the_others(capture_file):
    import_(MAHDI)
    import_(ARCHIVES)
    mahdi = Post.objects.get(title__contains="Mahdi")
    before = Comment.objects.filter(post=mahdi).count()
    run = last_run()
    out, err = import_("--undo", run.pk, "--yes")
    assert err == ""
    undo = last_run()
    assert out.strip() == (
        f"Undid run {run.pk} as run {undo.pk}: {SAMPLE_FILES - 2} posts removed, 0 put back as "
        f"they were, {run.comments_added} comments removed (import_archive --show {undo.pk})."
    )
    assert list(Post.objects.all()) == [mahdi]  # the first run's post stays
    assert Comment.objects.filter(post=mahdi).count() == before
    run.refresh_from_db()
    assert run.status == ImportRun.Status.UNDONE
    assert (undo.kind, undo.undo_of_id, undo.status) == ("undo", run.pk, "finished")
    assert undo.files.count() == SAMPLE_FILES - 1  # both comment pages, one line each
    assert set(undo.files.values_list("outcome", flat=True)) == {Outcome.REMOVED}
    listing, _ = import_("--list")
    assert f"[undone by run {undo.pk}]" in listing
    assert f"undo of run {run.pk}" in listing
    # The same files can be imported again.
    out, _ = import_(ARCHIVES)
    assert f"Posts: {SAMPLE_FILES - 2} created" in out


def test_undo_refusals_change_nothing(monkeypatch):
    import_(MAHDI)
    run = last_run()
    _, err = import_("--undo", 999, "--yes")
    assert "There is no import run 999" in err
    _, err = import_("--undo", run.pk)  # not on a terminal, not confirmed
    assert "An undo removes what the run added: confirm with --yes." in err
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    _, err = import_("--undo", run.pk, "--yes")
    assert f"Run {run.pk} is still running (process {os.getpid()} on" in err
    ImportRun.objects.filter(pk=run.pk).update(pid=2**22 + 12345)  # a process that is gone
    assert "[interrupted]" in import_("--list")[0]
    import_("--undo", run.pk, "--yes")
    _, err = import_("--undo", run.pk, "--yes")
    assert f"Run {run.pk} was already undone, by run {last_run().pk}." in err
    _, err = import_("--undo", last_run().pk, "--yes")
    assert "is an undo itself" in err
    assert not Post.objects.exists()


def test_an_undo_is_one_transaction(monkeypatch):
    import_(ARCHIVES)
    run = last_run()
    posts, comments = Post.objects.count(), Comment.objects.count()
    calls = []
    real = ledger._undo_entry

    def fail_on_the_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the machine went away")
        return real(*args)

    monkeypatch.setattr(ledger, "_undo_entry", fail_on_the_third)
    with pytest.raises(RuntimeError):
        ledger.undo_run(run.pk)
    assert (Post.objects.count(), Comment.objects.count()) == (posts, comments)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FINISHED
    assert ImportRun.objects.count() == 1


def test_undo_of_a_later_capture_puts_the_text_back(later_mahdi):
    import_(MAHDI)
    import_(later_mahdi)
    post = Post.objects.get()
    assert "Very well sourced" in post.body
    later = last_run()
    import_("--undo", later.pk, "--yes")
    post.refresh_from_db()
    assert "Pretty well sourced" in post.body
    assert post.source_name == str(MAHDI)
    assert not Comment.objects.filter(author_name__in=["NightOwl", "EarlyBird"]).exists()
    assert Comment.objects.filter(post=post).count() == 15
    assert last_run().files.get().outcome == Outcome.RESTORED
    # The later capture can come again, and is imported afresh.
    out, _ = import_(later_mahdi)
    assert "Comments: 2 added." in out


def test_undo_of_an_earlier_run_keeps_what_a_later_run_added(later_mahdi):
    import_(MAHDI)
    first = last_run()
    import_(later_mahdi)
    import_("--undo", first.pk, "--yes")
    post = Post.objects.get()  # the later run imported it too: it stays
    assert "Very well sourced" in post.body  # with the later capture's text
    assert set(Comment.objects.values_list("author_name", flat=True)) == {"NightOwl", "EarlyBird"}
    line = last_run().files.get()
    assert line.outcome == Outcome.KEPT
    assert "15 comments removed; post kept: other runs imported it" in line.message
    # Undoing the later run too leaves nothing.
    import_("--undo", ImportRun.objects.filter(kind="import").order_by("-pk").first().pk, "--yes")
    assert not Post.objects.exists()


def test_replies_written_here_survive_an_undo_under_a_placeholder(client):
    import_(MAHDI)
    run = last_run()
    post = Post.objects.get()
    answered = Comment.objects.get(author_name="Zorro")
    answer = reply(answered, author_name="Site Reader", body="I disagree, Zorro.")
    out, _ = import_("--undo", run.pk, "--yes")
    assert "0 posts removed" in out  # the reply holds the post
    answered.refresh_from_db()
    assert answered.status == Status.DELETED
    assert answered.deleted_by == f"undo of run {run.pk}"
    answer.refresh_from_db()
    assert answer.parent_id == answered.pk
    assert list(Comment.objects.values_list("author_name", flat=True).order_by("path")) == [
        "Zorro",
        "Site Reader",
    ]
    page = client.get(post.get_absolute_url()).text
    assert "This comment was removed." in page
    assert "I disagree, Zorro." in page
    assert "kept as placeholders for the replies written here" in last_run().files.get().message


def test_a_moderators_decision_survives_an_undo_and_a_reimport():
    import_(MAHDI)
    run = last_run()
    spam = Comment.objects.get(author_name="Zorro")
    Comment.objects.filter(pk=spam.pk).update(status=Status.SPAM)
    import_("--undo", run.pk, "--yes")
    assert list(Comment.objects.values_list("author_name", "status")) == [("Zorro", "spam")]
    out, _ = import_(MAHDI)  # the capture again: every comment but Zorro's comes back
    assert "Comments: 14 added." in out
    assert Comment.objects.get(author_name="Zorro").status == Status.SPAM


# --- The admin -----------------------------------------------------------------------


def test_the_admin_lists_runs_and_their_files_with_links(admin_client):
    import_(ARCHIVES)
    run = last_run()
    listing = admin_client.get("/admin/importers/importrun/").text
    assert f"Import run {run.pk}" in listing
    page = admin_client.get(f"/admin/importers/importrun/{run.pk}/change/").text
    post = Post.objects.get(title__contains="Mahdi")
    assert str(MAHDI) in page
    assert f"/admin/posts/post/{post.pk}/change/" in page
    assert post.get_absolute_url() in page
    assert f"?run={run.pk}&amp;post__id__exact={post.pk}" in page
    # The post and comment lists filter by run; a post says which runs touched it.
    posts = admin_client.get(f"/admin/posts/post/?run={run.pk}").text
    assert post.title in posts
    comments = admin_client.get(f"/admin/comments/comment/?run={run.pk}&post__id__exact={post.pk}")
    assert comments.status_code == 200
    assert "Zorro" in comments.text
    assert admin_client.get("/admin/comments/comment/?run=999").status_code == 200
    assert admin_client.get("/admin/comments/comment/?run=x'1").status_code == 200
    post_page = admin_client.get(f"/admin/posts/post/{post.pk}/change/").text
    assert f"Import run {run.pk}</a>: created its post" in post_page


def test_undo_from_the_admin_asks_first(admin_client):
    import_(ARCHIVES)
    run = last_run()
    response = admin_client.post(
        "/admin/importers/importrun/", {"action": "undo", "_selected_action": [run.pk]},
        follow=True,
    )  # fmt: skip
    assert f"Undo Import run {run.pk}?" in response.text
    assert "Yes, undo" in response.text
    assert Post.objects.exists()  # nothing yet
    response = admin_client.post(f"/admin/importers/importrun/{run.pk}/undo/", follow=True)
    assert not Post.objects.exists()
    undo = last_run()
    assert undo.user == "admin"
    assert f"Undid run {run.pk} as run {undo.pk}" in response.text
    again = admin_client.post(f"/admin/importers/importrun/{run.pk}/undo/", follow=True)
    assert "was already undone" in again.text
