"""Nothing is erased by a click: a deleted comment leaves a tombstone, a
re-import never brings it back, and only a purge removes rows."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment, PurgedComment, Status
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import reply

pytestmark = pytest.mark.django_db


def import_(*paths):
    call_command("import_archive", *map(str, paths), stdout=io.StringIO())


@pytest.fixture
def later_capture(capture_file):
    """A later capture of the 2007 post: every comment again, and one more."""
    text = MAHDI.read_text() + "\n\nLate.\n\nNightOwl on March 23, 2007 at 1:00 AM\n"
    return capture_file(text)


def zorro():
    return Comment.objects.get(author_name="Zorro")


def test_deleting_in_the_admin_leaves_a_tombstone_a_reimport_respects(
    admin_client, admin_user, client, later_capture
):
    import_(MAHDI)
    comment = zorro()
    confirm = admin_client.get(f"/admin/comments/comment/{comment.pk}/delete/")
    assert confirm.status_code == 200
    response = admin_client.post(f"/admin/comments/comment/{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.deleted_by) == (Status.DELETED, admin_user.username)
    post = Post.objects.get()
    assert "Zorro" not in client.get(post.get_absolute_url()).text  # gone, for readers
    staff_page = admin_client.get(post.get_absolute_url()).text
    assert "Not shown to readers: deleted" in staff_page  # in place, for moderators
    import_(later_capture)  # as when Zorro came back, published, before
    assert Comment.objects.filter(author_name="Zorro").count() == 1
    assert zorro().status == Status.DELETED
    assert Comment.objects.filter(author_name="NightOwl").exists()  # the rest goes on


def test_deleting_in_bulk_and_a_comment_with_replies(admin_client, client, later_capture):
    import_(MAHDI)
    answered = Comment.objects.order_by("path").first()
    reply(answered, author_name="Answer")
    chosen = [answered, zorro()]
    admin_client.post(
        "/admin/comments/comment/",
        {"action": "delete_selected", "_selected_action": [c.pk for c in chosen], "post": "yes"},
    )
    assert set(Comment.objects.filter(status=Status.DELETED)) == set(chosen)
    page = client.get(Post.objects.get().get_absolute_url()).text
    assert "This comment was removed." in page  # the reply keeps its place
    assert "Answer" in page
    import_(later_capture)
    assert Comment.objects.filter(status=Status.DELETED).count() == 2


def test_a_purge_removes_old_tombstones_but_a_reimport_still_knows_them(later_capture):
    import_(MAHDI)
    old, recent = zorro(), Comment.objects.get(author_name="NEMETI IN SYRACUSE")
    answered = Comment.objects.order_by("path")[2]
    reply(answered, author_name="Answer")
    month_ago = timezone.now() - timedelta(days=31)
    Comment.objects.filter(pk__in=[old.pk, answered.pk]).update(
        status=Status.DELETED, deleted_at=month_ago, deleted_by="moderator"
    )
    Comment.objects.filter(pk=recent.pk).update(
        status=Status.DELETED, deleted_at=timezone.now(), deleted_by="moderator"
    )
    out = io.StringIO()
    call_command("purge_comments", "--days", "30", "--yes", stdout=out)
    assert out.getvalue().strip() == "Purged 1 deleted comment(s); kept 1 that have replies."
    assert not Comment.objects.filter(pk=old.pk).exists()
    record = PurgedComment.objects.get()
    assert (record.author_name, record.deleted_by) == ("Zorro", "moderator")
    assert record.body == old.body
    import_(later_capture)
    assert not Comment.objects.filter(author_name="Zorro").exists()  # still not back
    assert Comment.objects.filter(pk=recent.pk, status=Status.DELETED).exists()


def test_a_purge_asks_first():
    with pytest.raises(CommandError, match="confirm with --yes"):
        call_command("purge_comments", stdout=io.StringIO())


def test_counts_follow_deletes():
    import_(MAHDI)
    post = Post.objects.get()
    Comment.objects.filter(pk=zorro().pk).update(status=Status.DELETED)
    post.refresh_from_db()
    assert post.comment_count == 14
