"""Readers writing comments: the form, its guards, moderation and editing."""

import re
import time
from html import unescape
from types import SimpleNamespace

import pytest
from django.test import Client

from comments.forms import CommentForm, new_stamp
from comments.models import BlockedTerm, Comment, Status
from tests.factories import PostFactory, reply
from tests.html import depths

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def one_window(monkeypatch):
    """The rate limit counts in fixed windows of the clock: hold its clock
    still, so that a test's few posts never straddle two windows."""
    now = time.time()
    monkeypatch.setattr("comments.guards.time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def publish_at_once(settings):
    settings.COMMENTS_MODERATION = "publish"


def form_data(post, **fields):
    """What a reader who took a minute over it sends."""
    data = {
        "name": "Dana Whitcomb",
        "email": "dana@example.org",
        "body": "Well said.\n\nAnd a second paragraph.",
        "stamp": new_stamp(post.pk, at=time.time() - 60),
        "homepage": "",
        "parent": "",
    }
    data.update(fields)
    return data


def send(client, post, *, meta=None, **fields):
    """POST the form; `meta` sets request headers and REMOTE_ADDR."""
    return client.post(f"/comments/post/{post.pk}/", form_data(post, **fields), **(meta or {}))


def field_error(html: str, field: str) -> str:
    """The error text Django renders beside a field (its errorlist)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


# --- Posting --------------------------------------------------------------------------


def test_post_page_has_the_form_and_every_comment_a_reply_link(client, post):
    comment = reply(post=post, author_name="Kafir")
    html = client.get(post.get_absolute_url()).text
    assert f'action="/comments/post/{post.pk}/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="stamp"' in html
    assert 'name="homepage"' in html
    assert f'href="/comments/{comment.pk}/reply/"' in html


def test_a_comment_is_posted_and_the_reader_lands_on_it(client, post, publish_at_once):
    response = send(client, post)
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert (comment.author_name, comment.status, comment.is_imported) == (
        "Dana Whitcomb", Status.PUBLISHED, False,
    )  # fmt: skip
    assert comment.body == "Well said.\n\nAnd a second paragraph."
    assert comment.ip_address == "127.0.0.1"
    html = client.get(post.get_absolute_url()).text
    assert f'id="comment-{comment.pk}"' in html
    assert "<p>Well said.</p><p>And a second paragraph.</p>" in html
    assert "dana@example.org" not in Client().get(post.get_absolute_url()).text  # never shown


def test_reply_page_without_javascript_and_the_reply_nests_under_its_parent(
    client, post, publish_at_once
):
    parent = reply(post=post, author_name="Kafir", body="Top-level thought.")
    later = reply(post=post, author_name="Zorro", body="Another top-level one.")
    page = client.get(f"/comments/{parent.pk}/reply/")
    assert page.status_code == 200
    assert "Reply to Kafir" in page.text
    assert "Top-level thought." in page.text
    assert f'name="parent" value="{parent.pk}"' in page.text

    response = send(client, post, parent=str(parent.pk), body="Answering Kafir.")
    child = Comment.objects.get(body="Answering Kafir.")
    assert child.parent == parent
    assert response["Location"].endswith(f"#comment-{child.pk}")
    html = client.get(post.get_absolute_url()).text
    order = [int(pk) for pk in re.findall(r'<li id="comment-(\d+)"', html)]
    assert order == [parent.pk, child.pk, later.pk]
    assert depths(html)[child.pk] == 1


def test_a_reply_to_a_comment_of_another_post_is_refused(client, post, publish_at_once):
    elsewhere = reply(post=PostFactory(), author_name="Kafir")
    response = send(client, post, parent=str(elsewhere.pk), body="Misplaced.")
    assert response.status_code == 200
    assert "no longer there" in response.text
    assert not Comment.objects.filter(body="Misplaced.").exists()


def test_the_same_form_sent_twice_makes_one_comment(client, post, publish_at_once):
    data = form_data(post)
    first = client.post(f"/comments/post/{post.pk}/", data)
    second = client.post(f"/comments/post/{post.pk}/", data)  # double click, reload
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]
    # The same words in a new showing of the form are a new comment.
    send(client, post)
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"body": " \n "}, "body", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"name": "x" * 101}, "name", "Ensure this value has at most 100 characters"),
        ({"body": "x" * 10_001}, "body", "Ensure this value has at most 10000 characters"),
    ],
)
def test_a_rejected_comment_is_shown_again_with_its_text_and_the_error_beside_the_field(
    client, post, fields, field, message
):
    data = {"body": "My carefully <b>typed</b> words & more", **fields}
    response = send(client, post, **data)
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    html = response.text
    assert message in field_error(html, field)
    assert 'aria-invalid="true"' in html
    assert f'id="id_{field}"' in html
    if field != "body":
        assert "My carefully &lt;b&gt;typed&lt;/b&gt; words &amp; more" in html
    assert 'value="Dana Whitcomb"' in html or field == "name"


def test_the_form_asks_for_no_website_and_ignores_one_sent(client, post, publish_at_once):
    assert 'name="website"' not in client.get(post.get_absolute_url()).text
    send(client, post, website="https://casino.example/win")
    assert Comment.objects.get().website == ""


def test_the_honeypot_turns_a_robot_away_and_keeps_the_text(client, post):
    response = send(client, post, homepage="http://spam.example/")
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert "This field must be left empty." in response.text
    assert "Well said." in response.text


def test_the_honeypot_can_be_turned_off(client, post, settings, publish_at_once):
    settings.COMMENTS_HONEYPOT = False
    assert 'name="homepage"' not in client.get(post.get_absolute_url()).text
    send(client, post, homepage="anything")
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("age", "message"),
    [(0, "faster than anyone types"), (25 * 3600, "more than a day")],
)
def test_forms_sent_too_fast_or_too_late_are_refused_and_given_a_fresh_stamp(
    client, post, age, message
):
    response = send(client, post, stamp=new_stamp(post.pk, at=time.time() - age))
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert message in response.text
    assert "Well said." in response.text
    # The form shown again carries a new stamp: sent again later, it is accepted.
    stamp = re.search(r'name="stamp" value="([^"]+)"', response.text).group(1)
    assert stamp != form_data(post)["stamp"]


@pytest.mark.parametrize("stamp", ["forged", "x" + new_stamp(1, at=0)])
def test_a_forged_stamp_is_refused(client, post, stamp):
    response = send(client, post, stamp=stamp)
    assert "could not be checked" in response.text
    assert Comment.objects.count() == 0


def test_a_stamp_from_another_posts_form_is_refused(client, post):
    other = PostFactory()
    response = send(client, post, stamp=new_stamp(other.pk, at=time.time() - 60))
    assert "belongs to another post" in response.text
    assert Comment.objects.count() == 0


def test_csrf_is_enforced(post):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/comments/post/{post.pk}/", form_data(post))
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_get_is_not_allowed_on_the_posting_url(client, post):
    assert client.get(f"/comments/post/{post.pk}/").status_code == 405


# --- Rate limit -----------------------------------------------------------------------


def test_over_the_rate_limit_a_friendly_429_keeps_the_text(
    client, post, publish_at_once, one_window
):
    for n in range(5):
        assert send(client, post, body=f"Comment {n}").status_code == 302
    response = send(client, post, body="The sixth, too soon.")
    assert response.status_code == 429
    assert "Please wait a minute" in response.text
    assert "The sixth, too soon." in response.text
    assert 'value="Dana Whitcomb"' in response.text
    assert "errorlist" not in response.text
    assert "faster than anyone" not in response.text
    assert Comment.objects.count() == 5
    # Another address is not affected.
    other = send(client, post, body="From elsewhere.", meta={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 302


def test_x_forwarded_for_is_ignored_without_trusted_proxies(
    client, post, publish_at_once, one_window
):
    for n in range(6):
        response = client.post(
            f"/comments/post/{post.pk}/",
            form_data(post, body=f"Comment {n}"),
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",  # a client making up addresses
        )
    assert response.status_code == 429
    assert set(Comment.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    client, post, settings, publish_at_once, one_window
):
    settings.TRUSTED_PROXIES = 1
    headers = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.5"}  # forged, then the real one
    send(client, post, meta=headers)
    assert Comment.objects.get().ip_address == "203.0.113.5"


def test_the_rate_limit_can_be_turned_off(client, post, settings, publish_at_once):
    settings.COMMENTS_RATE_LIMIT = 0
    for n in range(7):
        assert send(client, post, body=f"Comment {n}").status_code == 302


# --- Moderation policy ----------------------------------------------------------------


def test_by_default_a_new_commenter_is_held_and_only_they_see_it_awaiting(client, post):
    send(client, post)
    comment = Comment.objects.get()
    assert comment.status == Status.PENDING
    own = client.get(post.get_absolute_url()).text
    assert "Your comment is awaiting moderation." in own
    assert "Well said." in own
    stranger = Client().get(post.get_absolute_url()).text
    assert "Well said." not in stranger
    assert "awaiting moderation" not in stranger


def test_once_approved_the_same_name_and_email_publish_at_once(client, post):
    send(client, post)
    Comment.objects.update(status=Status.PUBLISHED)
    send(client, post, body="Back again.", email="DANA@example.org")
    assert Comment.objects.get(body="Back again.").status == Status.PUBLISHED
    send(client, post, body="Someone else.", email="other@example.org")
    assert Comment.objects.get(body="Someone else.").status == Status.PENDING


def test_a_name_from_the_archive_is_not_a_known_commenter(client, post):
    Comment.objects.create(
        post=post, number=99, path=b"\x00" * 9, author_name="Dana Whitcomb", email="",
        body="Archived.", posted=post.published, posted_text="then",
        fingerprint="f" * 32, source_file="a.txt", source_line=1,
    )  # fmt: skip
    send(client, post, email="")
    assert Comment.objects.get(body__startswith="Well said").status == Status.PENDING


def test_hold_everything_policy(client, post, settings):
    settings.COMMENTS_MODERATION = "hold"
    reply(post=post, author_name="Dana Whitcomb", email="dana@example.org")
    send(client, post)
    assert Comment.objects.get(body__startswith="Well said").status == Status.PENDING


def test_too_many_links_are_held(client, post, publish_at_once):
    links = "See https://a.example and www.b.example and http://c.example/x."
    send(client, post, body=links)
    assert Comment.objects.get().status == Status.PENDING
    send(client, post, body="Just https://a.example and www.b.example.")
    assert Comment.objects.get(body__startswith="Just").status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("term", "fields"),
    [
        ("cheap pills", {"body": "Buy CHEAP   pills".replace("   ", " ")}),
        ("spammer@example.com", {"email": "spammer@example.com"}),
        ("127.0.0.1", {}),
    ],
)
def test_a_blocklist_hit_is_marked_spam(client, post, publish_at_once, term, fields):
    BlockedTerm.objects.create(term=term)
    send(client, post, **fields)
    comment = Comment.objects.get()
    assert comment.status == Status.SPAM
    # Its author is told it awaits moderation, like any held comment.
    assert "awaiting moderation" in client.get(post.get_absolute_url()).text
    assert "Well said" not in Client().get(post.get_absolute_url()).text


def test_the_blocklist_matches_whole_words_only(client, post, publish_at_once):
    BlockedTerm.objects.create(term="ass")
    send(client, post, body="A classic case of bad assumptions.")
    assert Comment.objects.get().status == Status.PUBLISHED


# --- Remembering the reader -----------------------------------------------------------


def test_details_are_remembered_and_can_be_forgotten(client, post, publish_at_once):
    send(client, post)
    html = client.get(post.get_absolute_url()).text
    assert 'value="Dana Whitcomb"' in html
    assert 'value="dana@example.org"' in html
    assert "Forget my name and email" in html
    forget = client.post("/comments/forget-me/", {"next": post.get_absolute_url()})
    assert forget["Location"] == post.get_absolute_url()
    html = client.get(post.get_absolute_url()).text
    assert 'value="Dana Whitcomb"' not in html
    assert "Forget my name" not in html


def test_forgetting_never_redirects_off_the_site(client):
    response = client.post("/comments/forget-me/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


# --- Editing and deleting one's own comment -------------------------------------------


def test_the_author_edits_their_comment_and_it_is_marked_edited(client, post, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    page = client.get(post.get_absolute_url()).text
    assert f'href="/comments/{comment.pk}/edit/"' in page
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 200
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Better said.\r\n"})
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.body == "Better said."
    assert comment.edited_at is not None
    assert '<span class="edited">(edited)</span>' in client.get(post.get_absolute_url()).text


def test_an_edit_is_judged_like_a_new_comment_and_keeps_the_old_text(
    client, post, publish_at_once, admin_client
):
    send(client, post, body="A fair point.")
    comment = Comment.objects.get()
    BlockedTerm.objects.create(term="casino")
    client.post(f"/comments/{comment.pk}/edit/", {"body": "Visit my casino."})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM  # out of public view
    assert "my casino" not in Client().get(post.get_absolute_url()).text
    (revision,) = comment.revisions.all()
    assert (revision.body, revision.status) == ("A fair point.", Comment.Status.PUBLISHED)
    change = admin_client.get(f"/admin/comments/comment/{comment.pk}/change/").text
    assert "A fair point." in change  # the revision beside the current text


def test_an_edit_with_many_links_waits_for_a_moderator(client, post, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    links = " ".join(f"https://example.org/{n}" for n in range(8))
    client.post(f"/comments/{comment.pk}/edit/", {"body": links})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert "example.org/7" not in Client().get(post.get_absolute_url()).text
    assert "Your comment is awaiting moderation." in client.get(post.get_absolute_url()).text


@pytest.mark.parametrize("status", ["removed", "spam", "pending"])
def test_a_comment_with_the_moderators_cannot_be_edited_by_its_author(
    client, post, publish_at_once, status
):
    send(client, post, body="As written.")
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).update(status=status)
    page = client.get(f"/comments/{comment.pk}/edit/").text
    assert "with the moderators, so it cannot be changed now" in page
    client.post(f"/comments/{comment.pk}/edit/", {"body": "Sneaked back."})
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("As written.", status)
    assert not comment.revisions.exists()


def test_nobody_else_can_edit_or_delete_it(client, post, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    other = Client()
    assert f"/comments/{comment.pk}/edit/" not in other.get(post.get_absolute_url()).text
    assert other.get(f"/comments/{comment.pk}/edit/").status_code == 404
    assert other.post(f"/comments/{comment.pk}/edit/", {"body": "Hijacked"}).status_code == 404
    assert other.post(f"/comments/{comment.pk}/delete/").status_code == 404
    comment.refresh_from_db()
    assert comment.body.startswith("Well said.")


def test_after_fifteen_minutes_it_can_no_longer_be_changed(client, post, settings, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    settings.COMMENTS_EDIT_SECONDS = 0
    time.sleep(1.1)
    assert f"/comments/{comment.pk}/edit/" not in client.get(post.get_absolute_url()).text
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": "Late."}).status_code == 404


def test_once_someone_replied_it_can_be_neither_edited_nor_deleted(client, post, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    reply(comment, author_name="Kafir", body="I disagree.")
    assert f"/comments/{comment.pk}/edit/" not in client.get(post.get_absolute_url()).text
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Changed my mind."})
    assert "can no longer be changed" in response.text
    response = client.post(f"/comments/{comment.pk}/delete/")
    assert "can no longer be deleted" in response.text
    comment.refresh_from_db()
    assert comment.body.startswith("Well said.")


def test_the_author_deletes_their_comment(client, post, publish_at_once):
    send(client, post)
    comment = Comment.objects.get()
    assert "Delete your comment?" in client.get(f"/comments/{comment.pk}/delete/").text
    response = client.post(f"/comments/{comment.pk}/delete/")
    assert response["Location"] == f"{post.get_absolute_url()}#comments"
    # Gone from the thread, but a tombstone stays for moderators: who, when, what.
    comment.refresh_from_db()
    assert (comment.status, comment.deleted_by) == (Comment.Status.DELETED, "its author")
    assert comment.deleted_at is not None
    assert f'id="comment-{comment.pk}"' not in client.get(post.get_absolute_url()).text


# --- What reaches the page ------------------------------------------------------------


def test_hostile_text_is_escaped_and_only_http_links_are_made(client, post, publish_at_once):
    body = (
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        'javascript:alert(1) and https://example.org/a?b=1&c="2" too'
    )
    send(client, post, name="<b>Bold</b> Name", body=body)
    html = client.get(post.get_absolute_url()).text
    thread = html[html.index('class="thread"') : html.index('id="respond"')]
    assert "<script>" not in thread
    assert "<img" not in thread
    assert "<b>" not in thread
    # Escaped as the thread's template engine does: ' is &#39;, " is &#34;.
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in thread
    assert "&lt;img src=x onerror=alert(1)&gt;" in thread
    assert "&lt;b&gt;Bold&lt;/b&gt; Name" in thread
    assert 'href="javascript' not in thread
    assert (
        '<a href="https://example.org/a?b=1&amp;c=" rel="nofollow ugc noopener">'
        "https://example.org/a?b=1&amp;c=</a>&#34;2&#34; too"
    ) in thread


def test_deep_replies_stop_indenting_and_say_whom_they_answer(client, post):
    comment = reply(post=post, author_name="Level 0")
    for depth in range(1, 9):
        comment = reply(comment, author_name=f"Level {depth}")
    html = client.get(post.get_absolute_url()).text
    assert list(depths(html).values()).count(6) == 3  # depths 6, 7 and 8
    assert "in reply to Level 6" in html
    assert "in reply to Level 7" in html
    assert "in reply to Level 5" not in html  # depth 6 is still indented under its parent


def test_post_page_queries_stay_bounded_for_a_returning_commenter(
    client, post, publish_at_once, django_assert_max_num_queries
):
    send(client, post)
    for n in range(30):
        reply(post=post, author_name=f"Reader {n}")
    # session, post, thread, previous and next posts
    with django_assert_max_num_queries(5):
        client.get(post.get_absolute_url())


def test_the_comment_form_is_written_as_djangos_own_templates_write_it():
    """The readers' forms use Django's Jinja2 widget templates, for speed:
    their markup must stay that of the Django-template ones."""
    import re

    from django.forms.renderers import DjangoTemplates, Jinja2

    post = PostFactory()
    bad = {"body": "", "name": "x" * 500, "email": "not an address", "notify": "nonsense"}

    def markup(renderer, data):
        form = CommentForm(data, post=post, initial={"name": "Kafir <b>"}, renderer=renderer)
        if data is not None:
            form.is_valid()
        shown = [name for name in form.fields if name != "stamp"]  # a fresh nonce each time
        html = "".join(str(form[name].as_field_group()) for name in shown)
        return re.sub(r">\s+<", "><", " ".join(html.split()))

    for data in (None, bad):
        assert markup(Jinja2(), data) == markup(DjangoTemplates(), data)
