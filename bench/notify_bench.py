"""Reply notifications: a thread with 1,000 followers gets a new reply.

    .venv/bin/python bench/notify_bench.py [--followers 1000] [--workers 1]

In a fresh afterword_notify_bench database (or the one BENCH_DATABASE_URL
names): 1,000 confirmed addresses follow a post. A reply is posted through
the comment form, in process, with the queue in the database: that request's
time (what the writer waits, the enqueueing included) is printed beside a
hello-world request's. Then `manage.py db_worker --batch` processes run and
deliver every message to a local SMTP server (aiosmtpd), and the messages per
second are printed beside the floor: the same number of messages sent by a
bare smtplib loop to the same server.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402
from bench.lighthouse import free_port  # noqa: E402

DATABASE_URL = bench_database_url("afterword_notify_bench")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += len(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    counter = Counter()
    port = free_port()
    smtp = Controller(counter, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        "DATABASE_URL": DATABASE_URL, "SECRET_KEY": "bench", "ALLOWED_HOSTS": "*",
        "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}", "TASKS_IMMEDIATE": "false",
        "SITE_URL": "https://archive.example", "COMMENTS_MODERATION": "publish",
        "COMMENTS_MIN_SECONDS": "0", "COMMENTS_RATE_LIMIT": "0",
        "STATIC_ROOT": tempfile.mkdtemp(prefix="afterword-static-"),
    }  # fmt: skip
    os.environ.update(env)
    recreate(DATABASE_URL)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path
    from django.utils import timezone

    from comments.forms import new_stamp
    from comments.models import Comment, MailAddress, Subscription
    from comments.notifications import notify_comment
    from posts.models import Post

    post = Post.objects.create(
        title="A popular thread", slug="popular", author="Allahpundit",
        published=timezone.now(), published_text="now", body="Text.",
    )  # fmt: skip
    now = timezone.now()
    emails = [f"reader{n}@example.org" for n in range(args.followers)]
    MailAddress.objects.bulk_create(MailAddress(email=e, confirmed_at=now) for e in emails)
    Subscription.objects.bulk_create(
        Subscription(email=e, post=post, kind="thread") for e in emails
    )

    # A worker's start-up on its own: the same command with nothing queued.
    begin = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
                    "-v", "0"], cwd=ROOT, env={**os.environ}, check=True)  # fmt: skip
    start_up = time.perf_counter() - begin

    sys.modules["bench_hello_urls"] = type(sys)("bench_hello_urls")
    # A worker's start-up on its own: the same command with nothing queued.
    begin = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
                    "-v", "0"], cwd=ROOT, env={**os.environ}, check=True)  # fmt: skip
    start_up = time.perf_counter() - begin

    sys.modules["bench_hello_urls"].urlpatterns = [path("", lambda r: HttpResponse("Hello."))]
    client = Client()
    hello = []
    with override_settings(ROOT_URLCONF="bench_hello_urls"):
        for _ in range(20):
            begin = time.perf_counter()
            client.get("/", secure=True)
            hello.append((time.perf_counter() - begin) * 1000)
    quiet = Post.objects.create(
        title="A quiet thread", slug="quiet", author="Allahpundit",
        published=timezone.now(), published_text="now", body="Text.",
    )  # fmt: skip

    def post_reply(on: Post, n: int) -> float:
        form = {
            "name": "Writer", "email": "writer@example.org", "body": f"A new reply, number {n}.",
            "stamp": new_stamp(on.pk, at=time.time() - 60), "homepage": "", "parent": "",
        }  # fmt: skip
        begin = time.perf_counter()
        response = client.post(f"/comments/post/{on.pk}/", form, secure=True)
        took = (time.perf_counter() - begin) * 1000
        assert response.status_code == 302, response.status_code
        return took

    client.get(post.get_absolute_url(), secure=True)  # the session, compiled templates
    post_reply(quiet, 0)
    # Side by side: a reply where nobody follows, and one where 1,000 do. The
    # fan-out is the worker's: the writer waits for one queued task either way.
    quiet_times = [post_reply(quiet, n) for n in range(1, 8)]
    followed_times = [post_reply(post, n) for n in range(1, 8)]
    enqueue_times = []
    for _ in range(20):
        begin = time.perf_counter()
        notify_comment.enqueue(0)  # a comment that does not exist: the worker drops it
        enqueue_times.append((time.perf_counter() - begin) * 1000)
    # The worker's figure is for one reply: the others leave the queue's work.
    first = Comment.objects.filter(post=post).order_by("pk").first()
    Comment.objects.filter(post=post).exclude(pk=first.pk).delete()

    begin = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "-v", "0"],
            cwd=ROOT,
            env={**os.environ},
        )  # fmt: skip
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.wait()
    # The first worker's batch ends when the queue is empty; catch any stragglers.
    while counter.count < args.followers and time.perf_counter() - begin < 600:
        subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
                        "-v", "0"], cwd=ROOT, env={**os.environ}, check=True)  # fmt: skip
    sending = time.perf_counter() - begin
    sent = counter.count

    counter.count = 0
    begin = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as bare:
        for email in emails:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@localhost", email, "Hi"
            message.set_content("A new reply.\n" * 20)
            bare.send_message(message)
    floor = time.perf_counter() - begin
    smtp.stop()

    print(f"\n{args.followers} followers, {args.workers} worker(s)\n")
    hello_ms, quiet_ms = statistics.median(hello), statistics.median(quiet_times)
    followed_ms, enqueue_ms = statistics.median(followed_times), statistics.median(enqueue_times)
    print(f"hello-world request:                         {hello_ms:7.2f} ms")
    print(f"posting a reply nobody follows (request):    {quiet_ms:7.1f} ms")
    print(
        f"posting a reply {args.followers} follow (request):      {followed_ms:7.1f} ms"
        f"  ({followed_ms / quiet_ms:.2f}× the unfollowed reply)"
    )
    print(f"of which queueing the notification task:     {enqueue_ms:7.2f} ms"
          f"  ({enqueue_ms / followed_ms:.1%} of the request, "
          f"{enqueue_ms / hello_ms:.1f}× a hello-world request)")  # fmt: skip
    print(
        f"worker: {sent} messages in {sending:.1f} s = {sent / sending:7.0f} messages/s "
        f"(workers' start-up included); {sent / (sending - start_up):.0f} messages/s after "
        f"the {start_up:.1f} s a worker takes to start"
    )
    print(
        f"floor: bare smtplib, one connection: {len(emails) / floor:7.0f} messages/s "
        f"-> the worker at {sent / sending / (len(emails) / floor):.2f}× the floor"
    )


if __name__ == "__main__":
    main()
