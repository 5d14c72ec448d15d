"""A reader in a real browser (Debian's Chromium, driven by Playwright) replies
to a comment, with JavaScript and without it.

bin/test leaves these out, and says so, where /usr/bin/chromium is missing;
CI installs it and always runs them.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment
from posts.models import Post
from tests.conftest import MAHDI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def post(live_server, settings):
    settings.COMMENTS_MODERATION = "publish"
    settings.COMMENTS_MIN_SECONDS = 0  # a script types faster than any reader
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    return Post.objects.get()


def assert_nested_under(page, child: Comment, parent: Comment) -> None:
    nested = page.locator(f"#comment-{parent.pk} > details.replies > ol > #comment-{child.pk}")
    expect(nested).to_be_visible()
    expect(page.locator(f"#comment-{child.pk} .signature")).to_contain_text("Browser Reader on ")


def test_reply_in_place_with_javascript(browser, live_server, post):
    parent = Comment.objects.order_by("path")[3]
    page = browser.new_page()
    page.goto(live_server.url + post.get_absolute_url())

    # Changing one's mind: the form goes back to its place under the thread.
    page.locator("ol.thread a.reply").first.click()
    page.get_by_role("button", name="Cancel reply").click()
    expect(page.locator("#respond #comment-form")).to_be_visible()
    expect(page.get_by_role("heading", name="Leave a comment")).to_be_visible()

    page.locator(f"#comment-{parent.pk} a.reply").click()
    form = page.locator(f"#comment-{parent.pk} #comment-form")
    expect(form).to_be_visible()  # moved under the comment, no page load
    expect(form.locator("[data-replying]")).to_contain_text(f"Replying to {parent.author_name}")
    expect(page.locator("#id_body")).to_be_focused()
    page.fill("#id_body", "Answering in place.\n\nWith a second paragraph.")
    page.fill("#id_name", "Browser Reader")
    page.get_by_role("button", name="Post comment").click()

    page.wait_for_url(re.compile(r"#comment-\d+$"))
    child = Comment.objects.get(body="Answering in place.\n\nWith a second paragraph.")
    assert child.parent_id == parent.pk
    assert page.url.endswith(f"{post.get_absolute_url()}#comment-{child.pk}")
    assert_nested_under(page, child, parent)
    # The form remembers the reader for next time.
    expect(page.locator("#id_name")).to_have_value("Browser Reader")
    page.close()


def test_reply_without_javascript(browser, live_server, post):
    parent = Comment.objects.order_by("path")[5]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())

    page.locator(f"#comment-{parent.pk} a.reply").click()
    page.wait_for_url(f"**/comments/{parent.pk}/reply/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reply to {parent.author_name}")
    page.get_by_label("Comment").fill("Answering from the reply page.")
    page.get_by_label("Name").fill("Browser Reader")
    page.get_by_role("button", name="Post comment").click()

    page.wait_for_url(re.compile(r"#comment-\d+$"))
    child = Comment.objects.get(body="Answering from the reply page.")
    assert child.parent_id == parent.pk
    assert_nested_under(page, child, parent)
    context.close()


def test_a_rejected_reply_comes_back_with_the_text_and_the_error(browser, live_server, post):
    """Without JavaScript, so that the server's check is the one that speaks."""
    parent = Comment.objects.order_by("path")[1]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/comments/{parent.pk}/reply/")
    page.get_by_label("Comment").fill("Worth keeping, every word.")
    page.get_by_label("Name").fill("Browser Reader")
    page.get_by_label("Email").fill("not an address")
    # The browser's own check would stop it first; a reader's old browser may not.
    page.locator("#comment-form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Post comment").click()

    expect(page.locator("#id_email_error")).to_contain_text("Enter a valid email address.")
    expect(page.get_by_label("Comment")).to_have_value("Worth keeping, every word.")
    expect(page.locator("blockquote.replying-to")).to_contain_text(parent.author_name)
    assert not Comment.objects.filter(body="Worth keeping, every word.").exists()
    context.close()


def test_preview_then_post_without_javascript_and_what_the_reader_is_told(
    browser, live_server, post
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("A first draft.\n\nWith <em>care</em>.")
    page.get_by_role("textbox", name="Name").fill("Browser Reader")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("section.preview")
    expect(preview).to_contain_text("With <em>care</em>.")  # as text, never as markup
    expect(preview.locator("em")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Comment")).to_have_value(
        "A first draft.\n\nWith <em>care</em>."
    )
    assert not Comment.objects.filter(author_name="Browser Reader").exists()
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    expect(page.locator("main .messages")).to_contain_text(
        re.compile(r"Your comment is published\. You can edit or delete it until \d+:\d\d [AP]M")
    )
    mine = Comment.objects.get(author_name="Browser Reader")
    expect(page.locator(f"#comment-{mine.pk} .until")).to_contain_text("unless someone replies")
    context.close()


def test_the_counter_speaks_near_the_limit(browser, live_server, post):
    page = browser.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    counter = page.locator(".char-count")
    expect(counter).to_be_hidden()
    page.get_by_role("textbox", name="Comment").fill("x" * 9_950)
    expect(counter).to_have_text("50 characters left")
    page.close()


def test_following_a_thread_from_the_form(browser, live_server, post):
    page = browser.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("Tell me when someone answers.")
    page.get_by_role("textbox", name="Name").fill("Follower")
    page.get_by_role("radio", name="E-mail me when someone replies to me").check()
    page.get_by_role("button", name="Post comment").click()
    # No address: the form comes back with the text and the reason beside the choice.
    expect(page.locator("#id_notify_error")).to_contain_text("Give your email address")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value(
        "Tell me when someone answers."
    )
    page.get_by_role("textbox", name="Email").fill("follower@example.org")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    from comments.models import MailAddress, Subscription

    assert Subscription.objects.get().kind == "replies"
    assert MailAddress.objects.get().confirmation_sent_at is not None
    # Remembered for the next comment.
    expect(page.get_by_role("radio", name="E-mail me when someone replies to me")).to_be_checked()
    page.close()
