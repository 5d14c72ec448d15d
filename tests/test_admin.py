"""The admin's pages for posts and comments render for a moderator."""

import io

import pytest
from django.core.management import call_command

from comments.models import Comment
from posts.models import Post
from tests.conftest import MAHDI

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())


def test_admin_lists_and_edits_posts_and_comments(admin_client, imported):
    post, comment = Post.objects.get(), Comment.objects.order_by("path").first()
    for url in [
        "/admin/posts/post/",
        f"/admin/posts/post/{post.pk}/change/",
        "/admin/comments/comment/",
        "/admin/comments/comment/?status__exact=published",
        f"/admin/comments/comment/{comment.pk}/change/",
        "/admin/comments/comment/?q=NEMETI",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    assert "NEMETI IN SYRACUSE" in admin_client.get("/admin/comments/comment/?q=NEMETI").text


def test_the_post_list_counts_each_posts_comments_by_status(admin_client, imported):
    Comment.objects.filter(author_name="Zorro").update(status=Comment.Status.SPAM)
    html = admin_client.get("/admin/posts/post/").text
    spam = Comment.objects.filter(status=Comment.Status.SPAM).count()
    assert f'<td class="field-published_count">{15 - spam}</td>' in html
    assert f'<td class="field-spam_count">{spam}</td>' in html
    post = Post.objects.get()
    page = admin_client.get(f"/admin/posts/post/{post.pk}/change/").text
    assert f"?post__id__exact={post.pk}&amp;status__exact=spam" in page


def test_admin_requires_a_staff_login(client):
    assert client.get("/admin/comments/comment/").status_code == 302
