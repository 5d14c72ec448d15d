"""Moderating where the conversation is, the queue's tools, blocking and the
privacy duties, each through the views a moderator uses."""

import io
import json
import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import BlockedCommenter, Comment, Status
from comments.moderation import moderate
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import PostFactory, reply
from tests.test_commenting import send

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def post():
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    return Post.objects.get()


@pytest.fixture
def held(post):
    return reply(post=post, author_name="Newcomer", body="First time here.", status="pending",
                 email="new@example.org", ip_address="198.51.100.7")  # fmt: skip


def controls(html: str) -> dict[int, list[str]]:
    """{comment id: the labels of its one-click buttons} on a thread page."""
    found = {}
    for item in re.finditer(r'<li id="comment-(\d+)".*?(?=<li id="comment-|\Z)', html, re.S):
        form = re.search(r'<form class="moderate".*?</form>', item.group(0), re.S)
        if form:
            found[int(item.group(1))] = re.findall(r"<button[^>]*>([^<]+)</button>", form.group(0))
    return found


def messages_on(html: str) -> str:
    match = re.search(r'<ul class="messages?list"?[^>]*>(.*?)</ul>', html, re.S) or re.search(
        r'<ul class="messages"[^>]*>(.*?)</ul>', html, re.S
    )
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


# --- On the thread ----------------------------------------------------------------


def test_moderators_get_one_click_controls_on_every_comment_and_readers_none(
    admin_client, post, held
):
    html = admin_client.get(post.get_absolute_url()).text
    buttons = controls(html)
    assert len(buttons) == post.comments.count()
    assert buttons[held.pk] == ["Approve", "Spam", "Remove"]
    published = post.comments.exclude(pk=held.pk).first()
    assert buttons[published.pk] == ["Spam", "Remove"]
    assert "Not shown to readers: pending moderation" in html
    assert f"/admin/comments/comment/{held.pk}/change/" in html  # Edit
    assert f"/admin/comments/comment/{held.pk}/reply/" in html  # Reply as staff
    assert f"/admin/comments/comment/block/?ids={held.pk}" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "js/moderate.js" in html
    # Readers, signed in or not, never get any of it.
    reader = User.objects.create_user("reader", password="x")
    signed_in = Client()
    signed_in.force_login(reader)
    for client in (Client(), signed_in):
        page = client.get(post.get_absolute_url()).text
        assert controls(page) == {}
        assert "First time here." not in page
        assert "moderate.js" not in page
        assert "awaiting moderation</a>" not in page


def test_staff_without_the_change_permission_get_no_controls(post, held):
    clerk = User.objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert controls(client.get(post.get_absolute_url()).text) == {}
    response = client.post(f"/admin/comments/comment/{held.pk}/moderate/", {"moderate": "approve"})
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == Status.PENDING
    clerk.user_permissions.add(Permission.objects.get(codename="change_comment"))
    clerk = User.objects.get(pk=clerk.pk)  # permissions are cached on the user
    client.force_login(clerk)
    assert held.pk in controls(client.get(post.get_absolute_url()).text)


def test_a_click_without_javascript_acts_logs_and_lands_back_on_the_comment(
    admin_client, post, held
):
    response = admin_client.post(
        f"/admin/comments/comment/{held.pk}/moderate/",
        {"moderate": "approve", "was": "pending"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{post.get_absolute_url()}#comment-{held.pk}"
    assert "Approved: Newcomer on" in messages_on(response.text)
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert "First time here." in Client().get(post.get_absolute_url()).text
    entry = LogEntry.objects.get(object_id=str(held.pk))
    assert entry.user.username == "admin"
    assert entry.get_change_message() == "Approved (was pending)."
    # Remove, then Restore, from the thread.
    for action, status in (("remove", Status.REMOVED), ("restore", Status.PUBLISHED)):
        admin_client.post(f"/admin/comments/comment/{held.pk}/moderate/",
                          {"moderate": action, "was": held.status})  # fmt: skip
        held.refresh_from_db()
        assert held.status == status
    assert LogEntry.objects.filter(object_id=str(held.pk)).count() == 3


def test_a_stale_click_says_someone_else_was_first_and_changes_nothing(admin_client, post, held):
    other = User.objects.create_superuser("other", password="x")
    moderate(Comment.objects.filter(pk=held.pk), "spam", user=other)
    response = admin_client.post(
        f"/admin/comments/comment/{held.pk}/moderate/",
        {"moderate": "approve", "was": "pending"},  # what the first moderator's page showed
        follow=True,
    )
    assert "Not changed: Newcomer" in messages_on(response.text)
    assert "is spam now, as someone else changed it first." in messages_on(response.text)
    held.refresh_from_db()
    assert held.status == Status.SPAM


def test_an_unknown_action_or_a_get_changes_nothing(admin_client, held):
    url = f"/admin/comments/comment/{held.pk}/moderate/"
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, {"moderate": "publish-everything"}, follow=True)
    assert response.status_code == 200
    assert "No such moderation action." in messages_on(response.text)
    assert admin_client.post("/admin/comments/comment/999999/moderate/").status_code == 404
    held.refresh_from_db()
    assert held.status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_moderators_at_once_one_change_and_one_clear_refusal():
    """The second moderator's action waits on the first's row lock, then sees
    the status the first one left: no lost update."""
    post = PostFactory()
    comment = reply(post=post, status=Status.PENDING)
    first, second = (User.objects.create_superuser(name, password="x") for name in "ab")
    outcome = {}

    def second_moderator():
        try:
            outcome["second"] = moderate(Comment.objects.filter(pk=comment.pk), "remove",
                                         user=second, expected=Status.PENDING)  # fmt: skip
        finally:
            connection.close()

    with transaction.atomic():
        result = moderate(Comment.objects.filter(pk=comment.pk), "spam", user=first)
        racer = threading.Thread(target=second_moderator)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting for the first moderator's lock
    racer.join(timeout=10)
    assert [c.pk for c in result.changed] == [comment.pk]
    assert outcome["second"].changed == []
    assert [c.status for c in outcome["second"].unchanged] == [Status.SPAM]
    comment.refresh_from_db()
    assert comment.status == Status.SPAM
    assert LogEntry.objects.count() == 1


def test_restore_brings_back_a_deleted_comment(admin_client, post):
    comment = post.comments.first()
    admin_client.post(f"{CHANGELIST}{comment.pk}/delete/", {"post": "yes"})
    comment.refresh_from_db()
    assert comment.status == Status.DELETED
    assert comment.deleted_by == "admin"
    html = admin_client.get(post.get_absolute_url()).text
    assert controls(html)[comment.pk] == ["Restore"]
    admin_client.post(f"{CHANGELIST}{comment.pk}/moderate/", {"moderate": "restore"})
    comment.refresh_from_db()
    assert (comment.status, comment.deleted_at, comment.deleted_by) == (Status.PUBLISHED, None, "")


def test_a_moderators_edit_in_the_admin_keeps_the_text_it_replaces(admin_client, held):
    page = admin_client.get(f"{CHANGELIST}{held.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "posted"}
    posted = timezone.localtime(held.posted)
    data.update(posted_0=f"{posted:%Y-%m-%d}", posted_1=f"{posted:%H:%M:%S}")
    data.update(body="First time here. [link removed]", status="published",
                **{"revisions-TOTAL_FORMS": "0", "revisions-INITIAL_FORMS": "0"})  # fmt: skip
    response = admin_client.post(f"{CHANGELIST}{held.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    held.refresh_from_db()
    assert held.body == "First time here. [link removed]"
    assert held.edited_at is not None
    revision = held.revisions.get()
    assert (revision.body, revision.status) == ("First time here.", "pending")
    assert "First time here.</" in admin_client.get(f"{CHANGELIST}{held.pk}/change/").text


# --- The queue --------------------------------------------------------------------


def test_status_tabs_count_each_status(admin_client, post, held):
    reply(post=post, status=Status.SPAM, body="Buy now.")
    html = admin_client.get(CHANGELIST).text
    total = Comment.objects.count()
    tabs = dict(re.findall(r'<li><a href="[^"]*"[^>]*>(\w+) <span class="count">\((\d+)\)', html))
    assert tabs == {"All": str(total), "Pending": "1", "Published": str(total - 2), "Spam": "1",
                    "Removed": "0", "Deleted": "0"}  # fmt: skip
    pending = admin_client.get(CHANGELIST + "?status__exact=pending").text
    assert 'aria-current="page">Pending' in pending
    assert "First time here." in pending
    assert "Buy now." not in pending


def test_every_admin_page_and_the_site_header_show_the_pending_count(admin_client, post, held):
    for url in ("/admin/", CHANGELIST, "/admin/posts/post/", "/admin/auth/user/"):
        html = admin_client.get(url).text
        assert '<div id="pending-comments">' in html, url
        assert "1 pending comment<" in html, url
    site = admin_client.get(post.get_absolute_url()).text
    assert "1 comment awaiting moderation" in site
    assert "awaiting moderation</a>" not in Client().get(post.get_absolute_url()).text


def test_a_rows_one_click_button_acts_and_comes_back_to_the_same_list(admin_client, post, held):
    listing = admin_client.get(CHANGELIST + "?status__exact=pending").text
    button = re.search(
        rf'formaction="([^"]*/{held.pk}/moderate/[^"]*)" name="moderate" value="(approve:pending)"',
        listing,
    )
    assert button
    response = admin_client.post(unescape(button.group(1)), {"moderate": button.group(2)})
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST + "?status__exact=pending"
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED


def test_the_row_shows_the_text_its_post_and_its_place_and_links_the_commenter(
    admin_client, post, held
):
    answer = reply(held, author_name="Answerer", email="ANSWER@example.org",
                   ip_address="198.51.100.7", status="pending")  # fmt: skip
    html = admin_client.get(CHANGELIST + "?status__exact=pending").text
    assert "First time here." in html
    assert "in reply to Newcomer" in html
    assert "&lt;br&gt;" not in html  # the commenter's details, one a line
    assert f"?post__id__exact={post.pk}" in html
    assert f'href="/comments/{answer.pk}/"' in html
    for link in ("author_name__exact=Answerer", "email__iexact=ANSWER%40example.org",
                 "address=198.51.100.7"):  # fmt: skip
        assert link in html
    by_address = admin_client.get(CHANGELIST + "?address=198.51.100.7").text
    assert "First time here." in by_address
    assert "Answerer" in by_address
    by_email = admin_client.get(CHANGELIST + "?email__iexact=answer%40EXAMPLE.org").text
    assert "Answerer" in by_email
    assert "First time here." not in by_email
    by_name = admin_client.get(CHANGELIST + "?author_name__exact=Newcomer").text
    assert "First time here." in by_name
    assert "Answerer" not in by_name
    for query in ("198.51.100.", "198.51.100.0/24", "198.51.", " 198.51.100.7 "):
        searched = admin_client.get(CHANGELIST, {"q": query}).text
        assert "First time here." in searched, query
        assert "Answerer" in searched, query
    assert "First time here." not in admin_client.get(CHANGELIST, {"q": "198.51.101."}).text
    network = admin_client.get(CHANGELIST, {"address": "198.51.100.0/29"}).text
    assert "First time here." in network


@pytest.mark.parametrize(
    "address", ["zzz", "300.1.1.1", "1' OR '1'='1", "::g", "%00", "10.0.0.0/99", "999.", "1.2.3.4."]
)
def test_a_bad_address_filter_finds_nothing_and_never_fails(admin_client, held, address):
    response = admin_client.get(CHANGELIST, {"address": address})
    assert response.status_code == 200
    assert "First time here." not in response.text


def test_bulk_actions_report_what_they_changed_and_what_they_left(admin_client, post, held):
    published = list(post.comments.exclude(pk=held.pk)[:2])
    response = admin_client.post(
        CHANGELIST,
        {"action": "approve", "_selected_action": [held.pk, *(c.pk for c in published)]},
        follow=True,
    )
    text = unescape(response.text)
    assert "Approved 1 comment. 2 left as published" in text


def test_the_list_asks_the_same_queries_for_5_rows_or_50(admin_client, post):
    admin_client.get(CHANGELIST)  # session and user
    counts = []
    for extra in (5, 45):
        for n in range(extra):
            reply(post=post, author_name=f"N{n}", email=f"n{n}@example.org", status="pending")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(CHANGELIST + "?status__exact=pending").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


# --- Replying as staff --------------------------------------------------------------


def test_a_staff_reply_from_the_admin_is_marked_and_approves_what_it_answers(
    admin_client, post, held, settings
):
    settings.COMMENTS_STAFF_NAME = "The Editors"
    page = admin_client.get(f"{CHANGELIST}{held.pk}/reply/").text
    assert "First time here." in page
    assert "replying approves it" in page
    empty = admin_client.post(f"{CHANGELIST}{held.pk}/reply/", {"body": "  "})
    assert empty.status_code == 200
    assert "This field is required." in empty.text
    response = admin_client.post(f"{CHANGELIST}{held.pk}/reply/",
                                 {"body": "Welcome <b>aboard</b>."}, follow=True)  # fmt: skip
    written = Comment.objects.get(parent=held)
    assert written.author_name == "The Editors"
    assert written.written_by.username == "admin"
    assert written.is_published
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    assert response.redirect_chain[-1][0].endswith(f"#comment-{written.pk}")
    reader_page = Client().get(post.get_absolute_url()).text
    item = reader_page[reader_page.index(f'id="comment-{written.pk}"') :]
    assert '<span class="staff-mark">staff</span>' in item[: item.index("</article>")]
    assert "Welcome &lt;b&gt;aboard&lt;/b&gt;." in item


# --- Blocking -----------------------------------------------------------------------


def test_block_a_commenter_from_a_comment_and_mark_their_comments_spam(
    admin_client, client, post, held, settings
):
    settings.COMMENTS_MODERATION = "publish"
    earlier = reply(post=post, author_name="Newcomer", email="NEW@example.org", body="Earlier.")
    page = admin_client.get(f"{CHANGELIST}block/?ids={held.pk}").text
    for choice in ("name:Newcomer", "email:new@example.org", "address:198.51.100.7"):
        assert f'value="{choice}"' in page
    nothing = admin_client.post(f"{CHANGELIST}block/", {"ids": str(held.pk)})
    assert "Choose at least one name, email or address to block." in nothing.text
    response = admin_client.post(
        f"{CHANGELIST}block/",
        {"ids": str(held.pk), "blocks": ["email:new@example.org"], "mark_spam": "on",
         "note": "Link spam"},
        follow=True,
    )  # fmt: skip
    assert "Blocked 1; marked 2 of their comments as spam." in unescape(response.text)
    block = BlockedCommenter.objects.get()
    assert (block.kind, block.value, block.created_by) == ("email", "new@example.org", "admin")
    earlier.refresh_from_db()
    held.refresh_from_db()
    assert earlier.status == held.status == Status.SPAM
    # Blocking again is harmless.
    again = admin_client.post(
        f"{CHANGELIST}block/", {"ids": str(held.pk), "blocks": ["email:new@example.org"]},
        follow=True,
    )  # fmt: skip
    assert "Blocked 0 (1 already blocked)" in unescape(again.text)
    # Their next comment, under any capitalisation, is spam; they are told it awaits moderation.
    other = PostFactory()
    sent = send(client, other, email="New@Example.ORG", name="Someone Else")
    response = client.get(sent["Location"])
    new = Comment.objects.get(post=other)
    assert new.status == Status.SPAM
    assert "Your comment is awaiting moderation." in response.text
    assert "Well said." not in Client().get(other.get_absolute_url()).text


@pytest.mark.parametrize(
    ("kind", "value", "fields", "meta"),
    [
        ("name", "dana whitcomb", {}, {}),
        ("address", "203.0.113.50", {}, {"REMOTE_ADDR": "203.0.113.50"}),
    ],
)
def test_a_block_by_name_or_address_marks_new_comments_spam(
    client, settings, kind, value, fields, meta
):
    settings.COMMENTS_MODERATION = "publish"
    BlockedCommenter.objects.create(kind=kind, value=value)
    post = PostFactory()
    send(client, post, meta=meta, **fields)
    assert Comment.objects.get().status == Status.SPAM
    Comment.objects.all().delete()
    send(Client(), post, meta={"REMOTE_ADDR": "192.0.2.1"}, name="Somebody")
    assert Comment.objects.get().status == Status.PUBLISHED


def test_blocks_added_by_hand_are_checked(admin_client):
    response = admin_client.post("/admin/comments/blockedcommenter/add/",
                                 {"kind": "address", "value": "not an address"})  # fmt: skip
    assert "Enter an IPv4 or IPv6 address." in response.text
    admin_client.post("/admin/comments/blockedcommenter/add/",
                      {"kind": "email", "value": " Spam@Example.org "})  # fmt: skip
    twice = admin_client.post("/admin/comments/blockedcommenter/add/",
                              {"kind": "email", "value": "spam@example.ORG"})  # fmt: skip
    assert "That commenter is already blocked." in unescape(twice.text)
    assert BlockedCommenter.objects.get().created_by == "admin"


def test_the_bulk_block_action_opens_the_block_page_for_the_chosen(admin_client, post, held):
    response = admin_client.post(
        CHANGELIST, {"action": "block", "_selected_action": [held.pk]}, follow=True
    )
    assert 'value="email:new@example.org"' in response.text


# --- Privacy --------------------------------------------------------------------------


def test_export_and_erase_a_commenters_personal_data(admin_client, post, held):
    second = reply(post=post, author_name="Newcomer", email="NEW@example.org",
                   website="https://new.example.org/", ip_address="198.51.100.8")  # fmt: skip
    stranger = reply(post=post, author_name="Stranger", email="s@example.org",
                     ip_address="192.0.2.9")  # fmt: skip
    response = admin_client.post(
        CHANGELIST, {"action": "export_personal_data", "_selected_action": [held.pk]}
    )
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    exported = json.loads(response.content)["comments"]
    assert [row["comment"] for row in exported] == [held.pk, second.pk]
    assert exported[1]["website"] == "https://new.example.org/"
    assert exported[0]["address"] == "198.51.100.7"
    # Erasing asks first.
    page = admin_client.post(
        CHANGELIST, {"action": "erase_personal_data", "_selected_action": [held.pk]}, follow=True
    )
    assert "It cannot be undone." in page.text
    assert "198.51.100.8" in page.text
    held.refresh_from_db()
    assert held.email == "new@example.org"
    admin_client.post(f"{CHANGELIST}erase/", {"ids": str(held.pk), "confirm": "yes"})
    for comment in (held, second):
        comment.refresh_from_db()
        assert (comment.email, comment.website, comment.ip_address) == ("", "", None)
        assert comment.author_name == "Newcomer"  # the published words stay theirs
    stranger.refresh_from_db()
    assert stranger.email == "s@example.org"
    assert stranger.ip_address == "192.0.2.9"
    assert LogEntry.objects.filter(change_message__startswith="Erased").count() == 2


def test_housekeeping_forgets_old_addresses_and_clears_expired_sessions(post, settings):
    settings.COMMENTS_ADDRESS_DAYS = 90
    old = reply(post=post, ip_address="192.0.2.1")
    new = reply(post=post, ip_address="192.0.2.2")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    Session.objects.create(session_key="x" * 32, session_data="",
                           expire_date=timezone.now() - timedelta(days=1))  # fmt: skip
    Session.objects.create(session_key="y" * 32, session_data="",
                           expire_date=timezone.now() + timedelta(days=1))  # fmt: skip
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "Forgot the address of 1 comment(s) written over 90 days ago." in out.getvalue()
    assert "Cleared 1 expired session(s)." in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.ip_address is None
    assert new.ip_address == "192.0.2.2"
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
