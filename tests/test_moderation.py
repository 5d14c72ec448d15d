"""Moderators at work in the Django admin, and what readers then see."""

import io
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client

from comments.models import BlockedTerm, Comment, Status
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import reply
from tests.html import classes_of

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


def import_mahdi():
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    return Post.objects.get()


def act(admin_client, action, comments):
    return admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_the_queue_is_counted_on_the_admin_index(admin_client):
    post = import_mahdi()
    html = admin_client.get("/admin/").text
    assert "No comments are awaiting moderation." in html
    for n in range(3):
        reply(post=post, author_name=f"New {n}", status=Status.PENDING)
    html = admin_client.get("/admin/").text
    assert "3 comments awaiting moderation" in html
    assert f"{CHANGELIST}?status__exact=pending" in html


def test_changelist_filters_search_and_date_hierarchy(admin_client):
    post = import_mahdi()
    site = reply(post=post, author_name="Site Reader", body="Written here.")
    pages = {
        "?origin=site": "Site Reader",
        "?origin=imported": "NEMETI IN SYRACUSE",
        "?status__exact=published": "NEMETI IN SYRACUSE",
        "?q=Written+here": "Site Reader",
        "?posted__year=2007&posted__month=3": "NEMETI IN SYRACUSE",
    }
    for query, expected in pages.items():
        response = admin_client.get(CHANGELIST + query)
        assert response.status_code == 200, query
        assert expected in response.text, query
    imported_only = admin_client.get(CHANGELIST + "?origin=imported").text
    assert "Site Reader" not in imported_only
    listing = admin_client.get(CHANGELIST).text
    assert f'href="{site.get_absolute_url()}"' in listing  # its place on the site
    for column in ("comment", "commenter", "posted", "status"):
        assert f"column-{column}" in listing


def test_approve_publishes_and_is_logged(admin_client):
    post = import_mahdi()
    held = reply(post=post, author_name="Newcomer", body="First time here.", status="pending")
    assert "First time here." not in Client().get(post.get_absolute_url()).text
    response = act(admin_client, "approve", [held])
    assert "Approved 1 comment." in response.text
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert "First time here." in Client().get(post.get_absolute_url()).text
    entry = LogEntry.objects.get(object_id=str(held.pk))
    assert entry.action_flag == CHANGE
    assert "Approved (was pending)" in entry.get_change_message()


def test_remove_and_spam_hide_comments_and_leave_a_placeholder_above_replies(admin_client):
    post = import_mahdi()
    first, second = Comment.objects.order_by("path")[:2]
    answer = reply(first, author_name="Replier", body="Answering the first.")
    act(admin_client, "remove", [first])
    act(admin_client, "mark_spam", [second])
    html = Client().get(post.get_absolute_url()).text
    assert first.body[:40] not in html
    assert second.body[:40] not in html
    assert classes_of(html, first.pk) == "comment placeholder"
    assert f'id="comment-{second.pk}"' not in html  # no replies: no placeholder
    assert "Answering the first." in html
    assert LogEntry.objects.count() == 2
    # Restore brings the removed one back.
    response = act(admin_client, "restore", [first, answer])
    assert "Restored 1 comment." in response.text  # the answer was never removed
    assert first.body[:40] in Client().get(post.get_absolute_url()).text


def test_reimporting_never_undoes_a_moderators_decision(admin_client):
    post = import_mahdi()
    first, second = Comment.objects.order_by("path")[:2]
    act(admin_client, "remove", [first])
    act(admin_client, "mark_spam", [second])
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    assert Comment.objects.filter(post=post).count() == 15
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.REMOVED, Status.SPAM)
    assert first.body[:40] not in Client().get(post.get_absolute_url()).text


def test_post_list_shows_comment_counts_by_status(admin_client):
    post = import_mahdi()
    reply(post=post, author_name="Held", status=Status.PENDING)
    Comment.objects.filter(pk=Comment.objects.order_by("path").first().pk).update(
        status=Status.SPAM
    )
    html = admin_client.get("/admin/posts/post/").text
    row = html[html.index("<tbody") :]
    counts = re.findall(r'class="field-(\w+)_count[^"]*">(\d+)<', row)
    assert dict(counts) == {
        "published": "14", "pending": "1", "spam": "1", "removed": "0", "deleted": "0"
    }  # fmt: skip
    change = admin_client.get(f"/admin/posts/post/{post.pk}/change/").text
    assert "14 published" in change
    pending = admin_client.get(f"{CHANGELIST}?post__id__exact={post.pk}&status__exact=pending")
    assert pending.status_code == 200
    assert "Held" in pending.text


def test_moderators_edit_the_blocklist(admin_client):
    response = admin_client.post(
        "/admin/comments/blockedterm/add/", {"term": "cheap pills", "note": "pharma spam"}
    )
    assert response.status_code == 302
    assert BlockedTerm.objects.get().term == "cheap pills"
    assert "cheap pills" in admin_client.get("/admin/comments/blockedterm/").text


def test_staff_see_hidden_comments_in_place_and_readers_never_do(admin_client, client):
    post = import_mahdi()
    first, second = Comment.objects.order_by("path")[:2]
    held = reply(first, author_name="Held back", status=Status.PENDING)
    Comment.objects.filter(pk=second.pk).update(status=Status.SPAM)
    staff_page = admin_client.get(post.get_absolute_url()).text
    # written here, after the archive: "live", and held: "moderated"
    assert f'<li id="comment-{held.pk}" class="comment live moderated">' in staff_page
    assert "Not shown to readers: pending moderation" in staff_page
    assert "Not shown to readers: spam" in staff_page
    assert "Held back" in staff_page
    reader_page = client.get(post.get_absolute_url()).text
    assert "Held back" not in reader_page
    assert "Not shown to readers" not in reader_page
    assert f'id="comment-{second.pk}"' not in reader_page


def test_the_admins_view_on_site_lands_on_a_held_comment(admin_client, client):
    post = import_mahdi()
    held = reply(post=post, author_name="Held back", status=Status.PENDING)
    response = admin_client.get(
        f"/admin/r/{ContentType.objects.get_for_model(Comment).pk}/{held.pk}/"
    )
    assert response.status_code == 302
    landing = admin_client.get(response["Location"])  # /comments/ID/, as the admin links it
    assert landing.status_code == 302
    assert landing["Location"] == f"{post.get_absolute_url()}#comment-{held.pk}"
    assert client.get(f"/comments/{held.pk}/").status_code == 404  # readers: not there


def test_the_post_page_for_staff_asks_a_fixed_number_of_queries(
    admin_client, django_assert_num_queries
):
    post = import_mahdi()
    admin_client.get(post.get_absolute_url())  # the session and user, as on any page
    counts = []
    for extra in (1, 20):
        for n in range(extra):
            reply(post=post, author_name=f"Held {n}", status=Status.PENDING)
        # session, user, the post's state with its neighbours, the post, its
        # thread, the pending count in the header
        with django_assert_num_queries(6) as captured:
            admin_client.get(post.get_absolute_url())
        counts.append(len(captured))
    assert counts[0] == counts[1]
