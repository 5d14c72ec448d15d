"""What a commenter is told after posting, editing and deleting, and the
preview, without JavaScript."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client

from comments.models import Comment
from posts.times import clock
from tests.factories import PostFactory
from tests.test_commenting import form_data, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory()


def message_on(html: str) -> str:
    found = re.search(r'<ul class="messages" role="status">(.*?)</ul>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def test_a_published_comment_says_until_when_it_can_be_changed(client, post, settings):
    settings.COMMENTS_MODERATION = "publish"
    settings.COMMENTS_EDIT_SECONDS = 15 * 60
    sent = send(client, post)
    page = client.get(sent["Location"]).text
    comment = Comment.objects.get()
    until = clock(comment.posted + timedelta(minutes=15))
    assert message_on(page) == (
        f"Your comment is published. You can edit or delete it until {until}, unless someone "
        "replies."
    )
    assert f'<span class="until">until {until}, unless someone replies</span>' in page
    assert message_on(client.get(post.get_absolute_url()).text) == ""  # said once
    assert "unless someone replies" not in Client().get(post.get_absolute_url()).text


def test_a_held_comment_says_it_waits_for_a_moderator(client, post):
    sent = send(client, post)  # a new commenter: held by default
    page = client.get(sent["Location"]).text
    assert message_on(page).startswith(
        "Thank you. Your comment is waiting for a moderator; until then only you can see it. "
        "You can delete it until "
    )


def test_edits_and_deletes_are_confirmed(client, post, settings):
    settings.COMMENTS_MODERATION = "publish"
    client.get(send(client, post)["Location"])  # where "published" is said
    comment = Comment.objects.get()
    edited = client.post(f"/comments/{comment.pk}/edit/", {"body": "Better words."}, follow=True)
    assert message_on(edited.text) == "Your comment is updated."
    settings.COMMENTS_MAX_LINKS = 1
    held = client.post(
        f"/comments/{comment.pk}/edit/",
        {"body": "See https://a.example/ and https://b.example/"},
        follow=True,
    )
    assert message_on(held.text) == (
        "Your edit is waiting for a moderator; until then only you can see the comment."
    )
    deleted = client.post(f"/comments/{comment.pk}/delete/", follow=True)
    assert message_on(deleted.text) == "Your comment is deleted."


def test_preview_shows_the_comment_as_it_will_look_and_saves_nothing(client, post, settings):
    settings.COMMENTS_MODERATION = "publish"
    data = form_data(post, body="First <b>line</b>.\n\n\n\nSee https://example.org/ now.")
    response = client.post(f"/comments/post/{post.pk}/", {**data, "preview": "1"})
    assert response.status_code == 200
    html = response.text
    preview = re.search(r'<section class="preview".*?</section>', html, re.S).group(0)
    assert "<p>First &lt;b&gt;line&lt;/b&gt;.</p>" in preview
    assert 'href="https://example.org/"' in preview
    assert "Dana Whitcomb" in preview
    assert "First &lt;b&gt;line&lt;/b&gt;." in html.split('<section class="preview"')[1]  # kept
    assert not Comment.objects.exists()
    # The same form, now posted: one comment.
    client.post(f"/comments/post/{post.pk}/", data)
    assert Comment.objects.get().body == "First <b>line</b>.\n\nSee https://example.org/ now."


def test_a_preview_of_a_bad_form_shows_the_errors_and_no_preview(client, post):
    data = form_data(post, name="  ")
    html = client.post(f"/comments/post/{post.pk}/", {**data, "preview": "1"}).text
    assert 'class="preview"' not in html
    assert "This field is required." in html
    assert not Comment.objects.exists()


def test_previews_do_not_count_against_the_rate_limit(client, post, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    settings.COMMENTS_MODERATION = "publish"
    for _ in range(5):
        data = form_data(post)
        assert (
            client.post(f"/comments/post/{post.pk}/", {**data, "preview": "1"}).status_code == 200
        )
    assert send(client, post).status_code == 302


def test_the_body_box_carries_its_limit_and_a_counter(client, post):
    html = client.get(post.get_absolute_url()).text
    assert re.search(r'<textarea[^>]*maxlength="10000"', html)
    assert '<p class="char-count" data-count-for="id_body" aria-live="polite" hidden></p>' in html
    assert "js/counter.js" in html
