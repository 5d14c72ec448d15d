"""A moderator in a real browser: one click on the thread, with JavaScript
and without it, and the queue at desktop and phone widths."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment, Status
from posts.models import Post
from tests.conftest import MAHDI
from tests.factories import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def post(live_server):
    call_command("import_archive", str(MAHDI), stdout=io.StringIO())
    post = Post.objects.get()
    # The longest a date is written in the queue ("Sept. 30, 2026, 12:47 p.m."):
    # the layout must not depend on the hour the tests run at.
    reply(post=post, author_name="Newcomer", body="Held for a moderator.", status="pending",
          email="new@example.org", ip_address="198.51.100.7",
          posted=dt.datetime(2026, 9, 30, 16, 47, tzinfo=dt.UTC))  # fmt: skip
    User.objects.create_superuser("moderator", password="a long moderator password")
    return post


def signed_in(browser, live_server, **options):
    """A browser context signed in through the admin's login page."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill("a long moderator password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return context, page


def test_approve_on_the_thread_with_javascript_changes_the_comment_in_place(
    browser, live_server, post
):
    held = Comment.objects.get(status=Status.PENDING)
    context, page = signed_in(browser, live_server)
    page.goto(live_server.url + post.get_absolute_url())
    item = page.locator(f"#comment-{held.pk}")
    expect(item.locator(".moderation")).to_have_text("Not shown to readers: pending moderation")
    page.evaluate("window.stillTheSamePage = true")
    item.get_by_role("button", name="Approve").click()
    expect(item.locator(".moderation")).to_have_count(0)
    expect(item.get_by_role("button", name="Remove")).to_be_visible()
    expect(item.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator("main .messages")).to_contain_text("Approved: Newcomer")
    assert page.evaluate("window.stillTheSamePage") is True  # no page load
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    # Readers see it now.
    reader = browser.new_page()
    reader.goto(live_server.url + post.get_absolute_url())
    expect(reader.locator(f"#comment-{held.pk}")).to_contain_text("Held for a moderator.")
    expect(reader.locator("form.moderate")).to_have_count(0)
    context.close()
    reader.close()


def test_remove_and_restore_on_the_thread_without_javascript(browser, live_server, post):
    target = Comment.objects.filter(status=Status.PUBLISHED).order_by("path")[2]
    context, page = signed_in(browser, live_server, java_script_enabled=False)
    page.goto(live_server.url + post.get_absolute_url())
    page.locator(f"#comment-{target.pk}").get_by_role("button", name="Remove").click()
    page.wait_for_url(f"**{post.get_absolute_url()}#comment-{target.pk}")
    item = page.locator(f"#comment-{target.pk}")
    expect(item.locator(".moderation")).to_have_text("Not shown to readers: removed")
    expect(page.locator("main .messages")).to_contain_text("Removed:")
    target.refresh_from_db()
    assert target.status == Status.REMOVED
    item.get_by_role("button", name="Restore").click()
    page.wait_for_url(f"**#comment-{target.pk}")
    expect(page.locator(f"#comment-{target.pk} .moderation")).to_have_count(0)
    target.refresh_from_db()
    assert target.status == Status.PUBLISHED
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_queue_fits_the_screen_and_its_row_buttons_work(browser, live_server, post, width):
    held = Comment.objects.get(status=Status.PENDING)
    context, page = signed_in(browser, live_server, viewport={"width": width, "height": 900})
    page.goto(live_server.url + "/admin/comments/comment/?status__exact=pending")
    expect(page.locator(".status-tabs")).to_contain_text("Pending (1)")
    expect(page.locator("#pending-comments")).to_have_text("1 pending comment")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px"
    hidden = page.evaluate(
        "(el => el.scrollWidth - el.clientWidth)(document.querySelector('.results'))"
    )
    assert hidden <= 0, f"{hidden}px of the list scroll out of sight at {width}px"
    row = page.locator("#result_list tbody tr", has_text="Held for a moderator.")
    expect(row).to_contain_text("198.51.100.7")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/admin/comments/comment/?status__exact=pending")
    expect(page.locator(".messagelist")).to_contain_text("Approved: Newcomer")
    expect(page.locator(".status-tabs")).to_contain_text("Pending (0)")
    held.refresh_from_db()
    assert held.status == Status.PUBLISHED
    context.close()
