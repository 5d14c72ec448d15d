"""Conditional GET: every page an anonymous reader browses answers a repeat
with 304, and stops doing so the moment what it shows changes."""

import datetime as dt
import gzip

import pytest
from django.contrib.auth.models import User
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, Status
from comments.moderation import moderate
from comments.services import comment_edit
from posts.models import Post
from posts.names import author_url, person_url
from tests.factories import PostFactory, reply

pytestmark = pytest.mark.django_db(transaction=True)  # pages are tagged by committed changes


@pytest.fixture
def post():
    post = PostFactory(author="Ed", published=dt.datetime(2007, 3, 21, 19, 27, tzinfo=dt.UTC))
    PostFactory(published=dt.datetime(2007, 3, 20, tzinfo=dt.UTC))  # its neighbour
    reply(post=post, author_name="Kafir", body="First!")
    return post


def pages(post):
    day = post.day_url
    return [
        post.get_absolute_url(), f"{post.get_absolute_url()}feed/", "/", "/2007/", "/2007/03/",
        day, "/archive/", "/authors/", author_url("Ed"), "/people/", person_url("Kafir"),
        "/feeds/posts/", "/feeds/comments/", "/sitemap.xml", "/sitemap-posts-2007-03.xml",
    ]  # fmt: skip


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def revisit(client, url, tag):
    return client.get(url, headers={"if-none-match": tag})


def test_every_page_answers_a_repeat_with_304(post):
    reader = Client()
    reader.get(post.get_absolute_url())  # a first visit gives the form's CSRF cookie
    for url in pages(post):
        first = reader.get(url)
        assert first.status_code == 200, url
        tag = first["ETag"]
        again = revisit(reader, url, tag)
        assert again.status_code == 304, url
        assert again["ETag"] == tag
        assert again.content == b""
        assert "no-cache" in again.get("Cache-Control", ""), url


def test_a_304_renders_nothing(post, django_assert_max_num_queries):
    reader = Client()
    url = post.get_absolute_url()
    reader.get(url)
    tag = reader.get(url)["ETag"]
    with django_assert_max_num_queries(1):  # the post, its thread's version, its neighbours
        response = revisit(reader, url, tag)
    assert response.status_code == 304
    assert not response.templates


def test_a_home_page_304_reads_the_posts_stamp_alone(post, settings):
    settings.POSTS_PER_PAGE = 1
    reader = Client()
    for url in ("/", "/?page=2"):
        reader.get(url)
        tag = reader.get(url)["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = revisit(reader, url, tag)
        assert response.status_code == 304
        assert not response.templates
        # The posts' counters: no post, no month total read.
        assert len(queries) == 1, url
        assert "posts_month_changes" in queries[0]["sql"]
        assert "posts_post " not in queries[0]["sql"]
    # A post beyond the first page (its comment count is a post's) is a change too.
    tag = reader.get("/")["ETag"]
    reply(post=Post.objects.order_by("published").first(), author_name="Late")
    assert revisit(reader, "/", tag).status_code == 200


def test_a_feed_304_reads_its_posts_stamps_and_writes_nothing(post, settings):
    settings.ALLOWED_HOSTS = ["testserver", "archive.example"]
    reader = Client()
    first = reader.get("/feeds/posts/")
    with CaptureQueriesContext(connection) as queries:
        again = revisit(reader, "/feeds/posts/", first["ETag"])
    assert (again.status_code, again.content, len(queries)) == (304, b"", 1)
    PostFactory(title="A newer post", published=post.published + dt.timedelta(days=1))
    response = revisit(reader, "/feeds/posts/", first["ETag"])
    assert response.status_code == 200
    assert "A newer post" in response.content.decode()
    # The feed's links hold the address it was asked at: another host, another tag.
    elsewhere = reader.get("/feeds/posts/", headers={"host": "archive.example"})
    assert elsewhere["ETag"] != response["ETag"]


def test_a_period_author_or_name_index_304_reads_one_row(post):
    reader = Client()
    for url in ("/2007/", "/2007/03/", post.day_url, author_url("Ed"), "/authors/",
                "/authors/?q=e", "/people/", "/people/?letter=k", "/people/?q=kaf"):  # fmt: skip
        tag = reader.get(url)["ETag"]
        with CaptureQueriesContext(connection) as queries:
            response = revisit(reader, url, tag)
        # The posts' stamp, or the people's: their counters, no row they list.
        assert (response.status_code, len(queries)) == (304, 1), url
        assert "_changes" in queries[0]["sql"], url
        other = f"{url}{'&' if '?' in url else '?'}page=1"
        assert reader.get(other)["ETag"] != tag  # its address is in its tag


def test_the_people_index_changes_with_every_count_it_shows(post):
    reader = Client()
    url = "/people/"
    tag = reader.get(url)["ETag"]
    held = reply(post=post, author_name="Zorro", body="Held.", status=Status.PENDING)
    comment_edit(Comment.objects.get(body="First!"), "First, and edited.")
    assert revisit(reader, url, tag).status_code == 304  # nothing it shows has changed
    staff = User.objects.create_user("mod", is_staff=True)
    moderate(Comment.objects.filter(pk=held.pk), "approve", user=staff)
    response = revisit(reader, url, tag)
    assert response.status_code == 200
    assert "Zorro" in response.content.decode()
    tag = response["ETag"]
    moderate(Comment.objects.filter(author_name="Kafir"), "remove", user=staff)
    response = revisit(reader, url, tag)
    assert response.status_code == 200
    assert "Kafir" not in response.content.decode()


def test_a_comments_feed_304_reads_its_stamps_and_changes_with_its_comments(post):
    reader = Client()
    comment = Comment.objects.get(body="First!")
    for url in ("/feeds/comments/", f"{post.get_absolute_url()}feed/"):
        tag = reader.get(url)["ETag"]
        with CaptureQueriesContext(connection) as queries:
            again = revisit(reader, url, tag)
        assert (again.status_code, again.content, len(queries)) == (304, b"", 1), url
        comment_edit(comment, f"Edited for {url}")
        response = revisit(reader, url, tag)
        assert response.status_code == 200
        assert f"Edited for {url}" in response.content.decode()


def stamp_sql(reader) -> str:
    """What a repeat of the site's comments feed reads."""
    tag = reader.get("/feeds/comments/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert revisit(reader, "/feeds/comments/", tag).status_code == 304
    return queries[0]["sql"]


def test_the_site_comments_feed_changes_with_every_change_to_what_it_shows(post):
    reader = Client()
    url = "/feeds/comments/"
    sql = stamp_sql(reader)  # the comments' and the posts' counters, no comment read
    assert "comments_changes" in sql
    assert "comments_comment" not in sql
    staff = User.objects.create_user("mod", is_staff=True)
    changes = [
        lambda: reply(post=post, author_name="Zorro", body="A new one."),
        lambda: moderate(Comment.objects.filter(author_name="Zorro"), "remove", user=staff),
        lambda: Post.objects.filter(pk=post.pk).update(title="Retitled"),
        lambda: Comment.objects.filter(body="First!").update(body="Changed in place"),
    ]
    for change in changes:
        tag = reader.get(url)["ETag"]
        change()
        response = revisit(reader, url, tag)
        assert response.status_code == 200
    text = response.content.decode()
    assert ("Retitled" in text, "Changed in place" in text, "A new one." in text) == (
        True, True, False
    )  # fmt: skip


def tags(client, post):
    client.get(post.get_absolute_url())
    return {url: client.get(url)["ETag"] for url in pages(post)}


def changed(client, post, before):
    return {url for url in pages(post) if revisit(client, url, before[url]).status_code == 200}


def test_a_published_comment_changes_its_post_and_every_list_that_counts_it(post, settings):
    settings.COMMENTS_MODERATION = "publish"
    reader = Client()
    before = tags(reader, post)
    reply(post=post, author_name="Zorro", body="Second.")
    now = changed(reader, post, before)
    assert post.get_absolute_url() in now
    assert {"/", "/2007/", "/2007/03/", author_url("Ed"), "/people/"} <= now
    assert "/feeds/comments/" in now


def test_an_edit_and_a_moderation_change_the_post_page(post):
    reader = Client()
    url = post.get_absolute_url()
    comment = Comment.objects.get(body="First!")
    tag = reader.get(url)["ETag"]
    comment_edit(comment, "First, and edited.")
    assert revisit(reader, url, tag).status_code == 200
    tag = reader.get(url)["ETag"]
    staff = User.objects.create_user("mod", is_staff=True)
    moderate(Comment.objects.filter(pk=comment.pk), "remove", user=staff)
    response = revisit(reader, url, tag)
    assert response.status_code == 200
    assert "First, and edited." not in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == Status.REMOVED


def test_a_new_neighbour_changes_the_post_page(post):
    reader = Client()
    url = post.get_absolute_url()
    tag = reader.get(url)["ETag"]
    PostFactory(title="Right after", published=post.published + dt.timedelta(hours=1))
    response = revisit(reader, url, tag)
    assert response.status_code == 200
    assert "Right after" in response.content.decode()


def test_a_post_edited_in_the_admin_changes_its_pages(post):
    reader = Client()
    before = tags(reader, post)
    post.title = "A corrected title"
    post.save()
    now = changed(reader, post, before)
    assert {
        post.get_absolute_url(), "/", "/2007/", author_url("Ed"), "/feeds/posts/",
        "/sitemap-posts-2007-03.xml",
    } <= now  # fmt: skip
    assert Post.objects.get(pk=post.pk).title == "A corrected title"


def test_public_for_a_proxy_unless_the_page_sets_a_cookie_or_the_reader_has_a_session(post):
    reader = Client()
    for url in ("/", "/2007/", "/people/", "/feeds/posts/", "/sitemap.xml"):
        response = reader.get(url)
        assert not response.cookies
        assert cache_control(response) == {"no-cache", "public"}, url
    assert "Cookie" in reader.get("/")["Vary"]
    # A post page carries the comment form, and renews its CSRF cookie each time.
    for _ in range(2):
        page = reader.get(post.get_absolute_url())
        assert page.cookies
        assert cache_control(page) == {"no-cache", "private"}
    assert revisit(reader, post.get_absolute_url(), page["ETag"]).status_code == 304
    staff = User.objects.create_superuser("mod", password="x")
    reader.force_login(staff)
    response = reader.get(post.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response  # a moderator's header counts the queue: always fresh
    assert "private" in reader.get("/")["Cache-Control"]


def test_a_page_with_a_message_waiting_is_never_tagged(post, rf):
    reader = Client()
    storage = CookieStorage(rf.get("/"))
    reader.cookies["messages"] = storage._encode([Message(25, "Your comment is in.")])
    response = reader.get(post.get_absolute_url())
    assert "ETag" not in response
    assert "private" in response["Cache-Control"]


def test_a_new_release_is_a_new_tag(post, monkeypatch):
    reader = Client()
    tag = reader.get("/")["ETag"]
    monkeypatch.setattr("posts.conditional.release", lambda: "another")
    assert revisit(reader, "/", tag).status_code == 200


def test_compressed_pages_answer_their_weak_tag(post):
    reader = Client(headers={"accept-encoding": "gzip"})
    reader.get("/")
    first = reader.get("/")
    assert first["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.content)
    assert first["ETag"].startswith('W/"')
    assert revisit(reader, "/", first["ETag"]).status_code == 304
