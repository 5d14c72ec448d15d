"""Reply notifications end to end, through a real SMTP server (aiosmtpd, on a
free loopback port): subscribe, confirm, a reply held then approved, the one
message with its headers, digests, and unsubscribing."""

import io
import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import F
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import (
    Comment,
    MailAddress,
    ModeratorMail,
    Notification,
    Status,
    Subscription,
)
from comments.notifications import notify_comment, tell_moderators, unsubscribe_url
from config.mail import mailers_from_url
from tests.conftest import subprocess_database_url
from tests.factories import PostFactory, reply
from tests.test_commenting import form_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    def __init__(self) -> None:
        self.messages = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.raw = envelope.content  # as it came over the wire
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str):
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{controller.port}")
    settings.SITE_URL = "https://archive.example"
    settings.COMMENTS_RATE_LIMIT = 0  # many comments from one address, by design here
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    yield handler
    controller.stop()


@pytest.fixture
def post():
    return PostFactory(title="The footbridge vote")


def follow(post, *emails: str) -> None:
    """Confirmed addresses that follow the post's whole thread."""
    for email in emails:
        MailAddress.objects.create(email=email, confirmed_at="2020-01-01T00:00Z")
        Subscription.objects.create(email=email, post=post, kind="thread")


def write(client, post, commits, **fields):
    """Send the comment form, running what it leaves for after its commit."""
    with commits(execute=True):
        response = client.post(f"/comments/post/{post.pk}/", form_data(post, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Comment.objects.latest("pk")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, path: str) -> str:
    found = re.search(rf"https://archive\.example(/comments/{path}/[^/\s]+/)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def confirmed(inbox, address: str) -> None:
    [confirmation] = inbox.to(address)
    assert confirmation["Subject"] == "Confirm your address for Afterword"
    link = link_in(confirmation, "confirm")
    page = Client().get(link)
    assert "Press Confirm" in page.text
    assert not MailAddress.objects.get(email=address).confirmed_at  # a GET confirms nothing
    assert "Your address is confirmed" in Client().post(link).text  # no CSRF: a fresh browser
    inbox.messages.clear()


def test_follow_confirm_and_hear_of_an_approved_reply_once(
    client, post, inbox, django_capture_on_commit_callbacks, admin_client
):
    dana = write(client, post, django_capture_on_commit_callbacks, email="dana@example.org",
                 notify="replies")  # fmt: skip
    Comment.objects.filter(pk=dana.pk).update(status=Status.PUBLISHED)
    assert Subscription.objects.get().kind == "replies"
    confirmed(inbox, "dana@example.org")

    # A stranger answers; new commenters wait for a moderator, and so does the mail.
    answer = write(Client(), post, django_capture_on_commit_callbacks, name="Rex <b>Ray</b>",
                   email="rex@example.org", parent=str(dana.pk),
                   body="I disagree.\n\n<script>alert(1)</script>")  # fmt: skip
    assert answer.status == Status.PENDING
    assert inbox.to("dana@example.org") == []
    [staff] = inbox.to("admin@example.com")  # the moderators are told, with the queue
    assert staff["Subject"] == "1 new comment awaits moderation on Afterword"
    assert "https://archive.example/admin/comments/comment/?status__exact=pending" in text_of(staff)
    assert "Rex <b>Ray</b> on “The footbridge vote”: I disagree." in text_of(staff)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/comments/comment/{answer.pk}/moderate/",
                          {"moderate": "approve", "was": "pending"})  # fmt: skip
    [message] = inbox.to("dana@example.org")
    assert message["Subject"] == "Rex <b>Ray</b> wrote on “The footbridge vote”"
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url('dana@example.org', post.pk)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire as a plain <URL>, one line: mail clients read no encoded words there.
    assert f"List-Unsubscribe: <{unsubscribe_url('dana@example.org', post.pk)}>\r\n".encode() in (
        message.raw
    )
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in message.raw
    text = text_of(message)
    assert "<script>alert(1)</script>" in text  # plain text, as written
    assert f"https://archive.example/comments/{answer.pk}/" in text
    html = message.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "Rex &lt;b&gt;Ray&lt;/b&gt;" in html
    # Removed and approved again: still told once.
    with django_capture_on_commit_callbacks(execute=True):
        for action, was in (("remove", "published"), ("restore", "removed")):
            admin_client.post(f"/admin/comments/comment/{answer.pk}/moderate/",
                              {"moderate": action, "was": was})  # fmt: skip
    assert len(inbox.to("dana@example.org")) == 1
    assert Notification.objects.get().sent_at is not None


def test_never_mailed_unconfirmed_never_for_ones_own_nor_held(
    client, post, inbox, django_capture_on_commit_callbacks, settings
):
    settings.COMMENTS_MODERATION = "publish"
    write(client, post, django_capture_on_commit_callbacks, email="eve@example.org",
          notify="thread")  # fmt: skip
    assert len(inbox.to("eve@example.org")) == 1  # the confirmation only
    write(Client(), post, django_capture_on_commit_callbacks, name="Other",
          email="other@example.org")  # fmt: skip
    assert len(inbox.to("eve@example.org")) == 1  # not confirmed: nothing else
    # Eve asks again: the confirmation is not sent twice in a day.
    write(client, post, django_capture_on_commit_callbacks, email="eve@example.org",
          notify="thread", body="Again.")  # fmt: skip
    assert len(inbox.to("eve@example.org")) == 1
    confirmed(inbox, "eve@example.org")
    write(client, post, django_capture_on_commit_callbacks, email="EVE@example.org",
          body="My own words.")  # fmt: skip
    assert inbox.to("eve@example.org") == []  # never for one's own comment
    settings.COMMENTS_MODERATION = "hold"
    write(Client(), post, django_capture_on_commit_callbacks, name="Held", email="h@example.org")
    assert inbox.to("eve@example.org") == []  # held: nothing until approved
    settings.COMMENTS_MODERATION = "publish"
    write(Client(), post, django_capture_on_commit_callbacks, name="Third", email="t@example.org")
    [message] = inbox.to("eve@example.org")
    assert message["Subject"] == "Third wrote on “The footbridge vote”"


def test_the_form_asks_for_an_email_to_follow_and_remembers_the_choice(client, post):
    response = client.post(f"/comments/post/{post.pk}/", form_data(post, email="", notify="thread"))
    assert response.status_code == 200
    assert "Give your email address to be told of replies." in response.text
    assert 'value="Well said.' in response.text or "Well said." in response.text
    assert not Comment.objects.exists()
    html = client.get(post.get_absolute_url()).text
    assert 'name="notify"' in html
    assert "E-mail me when someone replies to me" in html


def test_one_click_unsubscribe_by_the_headers_post_and_by_the_link(
    client, post, inbox, django_capture_on_commit_callbacks, settings
):
    settings.COMMENTS_MODERATION = "publish"
    write(client, post, django_capture_on_commit_callbacks, email="dana@example.org",
          notify="thread")  # fmt: skip
    confirmed(inbox, "dana@example.org")
    write(Client(), post, django_capture_on_commit_callbacks, name="One", email="1@example.org")
    [message] = inbox.to("dana@example.org")
    target = message["List-Unsubscribe"].strip("<>").removeprefix("https://archive.example")
    # What a mail client does: a POST with no cookie, no CSRF token, this body.
    response = Client(enforce_csrf_checks=True).post(
        target, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscription.objects.get().ended_at is not None
    inbox.messages.clear()
    write(Client(), post, django_capture_on_commit_callbacks, name="Two", email="2@example.org")
    assert inbox.to("dana@example.org") == []
    # Everything: by the link at the foot of a message, confirmed on its page.
    links = re.findall(
        r"https://archive\.example(/comments/unsubscribe/[^/\s]+/)", text_of(message)
    )
    assert len(links) == 2
    page = Client().get(links[1])
    assert "Stop all e-mails from this site?" in page.text
    Client().post(links[1])
    address = MailAddress.objects.get()
    assert address.stopped_at is not None


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: "forged", lambda t: t[3:]])
def test_forged_or_altered_links_change_nothing(client, post, mangle):
    address = MailAddress.objects.create(email="dana@example.org")
    Subscription.objects.create(email="dana@example.org", post=post, kind="thread")
    from comments.notifications import confirm_url

    for url in (confirm_url(address), unsubscribe_url("dana@example.org", post.pk)):
        path = urlsplit(url).path
        token = path.rstrip("/").rsplit("/", 1)[1]
        bad = path.replace(token, mangle(token))
        for method in ("get", "post"):
            response = getattr(client, method)(bad)
            assert response.status_code in (400, 404), bad
            if response.status_code == 400:
                assert "This link does not work" in response.text
    address.refresh_from_db()
    assert address.confirmed_at is None
    assert Subscription.objects.get().ended_at is None


def test_an_expired_confirmation_is_refused(client, post, monkeypatch):
    address = MailAddress.objects.create(email="dana@example.org")
    from comments import notifications

    path = urlsplit(notifications.confirm_url(address)).path
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 8 * 24 * 3600)  # eight days on
    response = client.post(path)
    assert response.status_code == 400
    address.refresh_from_db()
    assert address.confirmed_at is None


def test_a_name_with_line_breaks_never_reaches_a_header(
    client, post, inbox, django_capture_on_commit_callbacks, settings
):
    settings.COMMENTS_MODERATION = "publish"
    write(client, post, django_capture_on_commit_callbacks, email="dana@example.org",
          notify="thread")  # fmt: skip
    confirmed(inbox, "dana@example.org")
    # The form refuses control characters in names; the archive's are another matter.
    with django_capture_on_commit_callbacks(execute=True):
        reply(post=post, author_name="Evil\r\nBcc: victim@example.org", email="e@example.org")
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["dana@example.org"]
    assert message["Bcc"] is None
    assert message["Subject"] == "Evil Bcc: victim@example.org wrote on “The footbridge vote”"


def worker(inbox_port: int, *, digest_seconds: int = 600) -> subprocess.Popen:
    """`manage.py db_worker --batch` as it runs in production: a process of its
    own, the queue in the test database, mail to the test's SMTP server."""
    env = {
        **os.environ, "DATABASE_URL": subprocess_database_url(), "SECRET_KEY": "test",
        "ALLOWED_HOSTS": "archive.example", "SITE_URL": "https://archive.example",
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox_port}", "TASKS_IMMEDIATE": "false",
        "COMMENTS_DIGEST_SECONDS": str(digest_seconds),
    }  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "-v", "0"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def run_workers(port: int, count: int = 1, **kwargs) -> None:
    workers = [worker(port, **kwargs) for _ in range(count)]
    for process in workers:
        assert process.wait(timeout=60) == 0


def the_window_passes(seconds: int = 600) -> None:
    """COMMENTS_DIGEST_SECONDS go by: what was sent, and what waits for the
    window's end, move that far into the past (no test waits on the clock)."""
    back = timedelta(seconds=seconds)
    Comment.objects.update(created_at=F("created_at") - back)
    Notification.objects.filter(sent_at__isnull=False).update(sent_at=F("sent_at") - back)
    ModeratorMail.objects.filter(last_sent_at__isnull=False).update(
        last_sent_at=F("last_sent_at") - back
    )
    ModeratorMail.objects.filter(next_at__isnull=False).update(next_at=F("next_at") - back)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        run_after=F("run_after") - back
    )


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_replies_close_together_go_out_as_one_digest(post, inbox, queued):
    """A second and third reply within the digest window of the first
    message wait for it, then go together."""
    follow(post, "dana@example.org")
    port = inbox.port
    notify_comment.enqueue(reply(post=post, author_name="First", email="f@example.org").pk)
    run_workers(port)
    assert len(inbox.to("dana@example.org")) == 1
    for name in ("Second", "Third"):
        notify_comment.enqueue(reply(post=post, author_name=name, email=f"{name}@example.org").pk)
    run_workers(port)
    assert len(inbox.to("dana@example.org")) == 1  # deferred: within the window
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    the_window_passes()
    run_workers(port)
    messages = inbox.to("dana@example.org")
    assert len(messages) == 2
    assert messages[1]["Subject"] == "2 new comments on “The footbridge vote”"
    assert "Second wrote" in text_of(messages[1])
    assert "Third wrote" in text_of(messages[1])


@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_send_each_message_once(post, inbox, queued):
    followers = [f"reader{n}@example.org" for n in range(40)]
    follow(post, *followers)
    comment = reply(post=post, author_name="Writer", email="w@example.org")
    notify_comment.enqueue(comment.pk)
    notify_comment.enqueue(comment.pk)  # the same, queued twice
    run_workers(inbox.port, count=3)
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == sorted(followers)


def test_a_refused_address_stops_getting_mail(post, inbox, settings):
    follow(post, "gone@example.org")

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user"

    inbox.handle_RCPT = refuse
    notify_comment.enqueue(reply(post=post, author_name="A", email="a@example.org").pk)
    address = MailAddress.objects.get(email="gone@example.org")
    assert address.stopped_at is not None
    assert address.stop_reason.startswith("refused")
    del inbox.handle_RCPT
    notify_comment.enqueue(reply(post=post, author_name="B", email="b@example.org").pk)
    assert inbox.messages == []


@pytest.mark.django_db(transaction=True)
def test_moderators_get_a_digest_not_a_message_per_held_comment(post, inbox, queued, settings):
    User.objects.create_superuser("mod", email="mod@example.org", password="x")
    User.objects.create_user("reader", email="reader@example.org", password="x")  # not staff
    settings.COMMENTS_MODERATOR_MAIL = True
    port = inbox.port
    for name in ("One", "Two"):
        reply(post=post, author_name=name, email=f"{name}@example.org", status=Status.PENDING)
        tell_moderators.enqueue()  # as a held comment's commit does
    run_workers(port)
    [first] = inbox.to("mod@example.org")
    assert first["Subject"] == "2 new comments await moderation on Afterword"
    reply(post=post, author_name="Three", email="3@example.org", status=Status.PENDING)
    tell_moderators.enqueue()
    run_workers(port)
    assert len(inbox.to("mod@example.org")) == 1  # within the window: queued for its end
    the_window_passes()
    run_workers(port)
    second = inbox.to("mod@example.org")[1]
    assert second["Subject"] == "1 new comment awaits moderation on Afterword"
    assert "(3 in all)" in text_of(second)
    assert inbox.to("reader@example.org") == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_the_rest_for_the_next(post, inbox, queued):
    followers = [f"reader{n:02d}@example.org" for n in range(30)]
    follow(post, *followers)
    slow = inbox.handle_DATA

    async def slowly(server, session, envelope):
        import asyncio

        await asyncio.sleep(0.1)
        return await slow(server, session, envelope)

    inbox.handle_DATA = slowly
    notify_comment.enqueue(reply(post=post, author_name="Writer", email="w@example.org").pk)
    process = worker(inbox.port)
    deadline = time.monotonic() + 30
    while len(inbox.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()  # SIGKILL, in the middle of the batch
    process.wait()
    told = len(inbox.messages)
    assert 5 <= told < len(followers)
    # What it left is queued again (housekeeping does this), and the next worker sends it.
    inbox.handle_DATA = slow
    # The task it was running stays "running" in the queue's table.
    [stuck] = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    out = io.StringIO()
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    DBTaskResult.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=2))
    call_command("housekeeping", stdout=out)
    unsent = len(followers) - told + 1  # the one in flight may or may not have been marked
    requeued = int(re.search(r"Queued again the mail of (\d+) address", out.getvalue())[1])
    assert unsent - 1 <= requeued <= unsent
    assert "Closed 1 task(s) a stopped worker left running" in out.getvalue()
    stuck.refresh_from_db()
    assert stuck.status == TaskResultStatus.FAILED
    assert "stopped before it finished" in stuck.traceback
    run_workers(inbox.port)
    received = sorted(r for rcpt, _ in inbox.messages for r in rcpt)
    assert sorted(set(received)) == followers  # everyone, in the end
    assert len(received) - len(followers) <= 1  # at most the one in flight, twice
    # Two weeks on, housekeeping forgets the finished tasks, the failed one too.
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=15))
    call_command("housekeeping", stdout=out)
    assert not DBTaskResult.objects.exists()


def test_a_batch_checks_its_addresses_once_and_each_message_on_an_index(post, inbox):
    """Each address in a batch costs its lock, its mark and the transaction
    around them; who may be mailed is read once for all. Addresses are looked
    up by lower(email), which the indexes hold (Django's iexact compares
    UPPER(), which none does: every message scanned the whole table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments.notifications import deliver_batch

    def batch(count: int) -> list[str]:
        readers = [f"Reader{n}.{count}@Example.org" for n in range(count)]
        follow(post, *readers)
        comment = reply(post=post, author_name="Writer", email="w@example.org")
        Notification.objects.bulk_create(
            Notification(comment=comment, post=post, email=e.lower()) for e in readers
        )
        with CaptureQueriesContext(connection) as queries:
            assert deliver_batch.call(post.pk, readers) == count
        return [q["sql"] for q in queries.captured_queries]

    ten, twenty = batch(10), batch(20)
    assert len(twenty) - len(ten) == 10 * 4  # BEGIN, lock, mark, COMMIT
    assert len(ten) <= 3 + 10 * 4
    assert len(inbox.messages) == 30
    email_queries = [sql for sql in twenty if '"email"' in sql and "WHERE" in sql]
    assert email_queries
    assert not any("UPPER(" in sql for sql in email_queries)
    lock = next(sql for sql in twenty if "FOR UPDATE" in sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lock}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "notification_thread_address" in plan
    assert "lower((email)::text)" in plan.split("Index Cond")[1].split("\n")[0], plan
