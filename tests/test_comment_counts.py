"""Each post's count of published comments, kept by the database as comments
are imported, written, moderated and deleted."""

import io

import pytest
from django.core.management import call_command

from comments.models import Comment, Status
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import PostFactory, reply

pytestmark = pytest.mark.django_db


def count_of(post: Post) -> int:
    post.refresh_from_db(fields=["comment_count"])
    return post.comment_count


def published_of(post: Post) -> int:
    return Comment.objects.published().filter(post=post).count()


def test_an_import_counts_its_comments_and_a_later_capture_adds_to_them(capture_file):
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    post = Post.objects.get()
    assert count_of(post) == published_of(post) == 15
    later = MAHDI.read_text() + "\n\nLate.\n\nNightOwl on March 23, 2007 at 1:00 AM\n"
    call_command("import_archive", str(capture_file(later)), stdout=io.StringIO())
    assert count_of(post) == 16
    reply(post=post)  # the importer's own counting ended with its transaction
    assert count_of(post) == 17


def test_site_comments_count_once_published():
    post = PostFactory()
    first = reply(post=post)
    held = reply(post=post, status=Status.PENDING)
    assert count_of(post) == 1
    Comment.objects.filter(pk=held.pk).update(status=Status.PUBLISHED)  # approved
    assert count_of(post) == 2
    Comment.objects.filter(pk__in=[first.pk, held.pk]).update(status=Status.SPAM)  # in bulk
    assert count_of(post) == 0
    Comment.objects.filter(pk=first.pk).update(status=Status.PUBLISHED)
    Comment.objects.filter(pk=first.pk).update(body="Edited.")  # no change of status
    assert count_of(post) == 1


def test_deleting_comments_and_posts_keeps_every_count_right():
    one, other = PostFactory(), PostFactory()
    comments = [reply(post=one), reply(post=one), reply(post=other)]
    comments[0].delete()
    assert (count_of(one), count_of(other)) == (1, 1)
    one.delete()  # its comments go with it
    assert count_of(other) == 1


def test_saving_a_post_read_earlier_never_writes_back_an_old_count():
    post = PostFactory()
    stale = Post.objects.get(pk=post.pk)
    reply(post=post)
    stale.title = "A corrected title"
    stale.save()  # as the admin's change form does
    assert count_of(post) == 1
    assert Post.objects.get(pk=post.pk).title == "A corrected title"


def test_every_post_of_an_archive_counts_exactly_its_published_comments():
    from tests.conftest import ARCHIVES

    call_command("import_archive", str(ARCHIVES), "--batch-size", "3", stdout=io.StringIO())
    call_command("import_archive", str(ARCHIVES), stdout=io.StringIO())  # changes nothing
    for post in Post.objects.all():
        assert post.comment_count == published_of(post), post.title
