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
    from comments.models import MailAddress, Subscription
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

    sys.modules["bench_hello_urls"] = type(sys)("bench_hello_urls")
    sys.modules["bench_hello_urls"].urlpatterns = [path("", lambda r: HttpResponse("Hello."))]
    client = Client()
    hello = []
    with override_settings(ROOT_URLCONF="bench_hello_urls"):
        for _ in range(20):
            begin = time.perf_counter()
            client.get("/", secure=True)
            hello.append((time.perf_counter() - begin) * 1000)
    form = {
        "name": "Writer", "email": "writer@example.org", "body": "A new reply.",
        "stamp": new_stamp(post.pk, at=time.time() - 60), "homepage": "", "parent": "",
    }  # fmt: skip
    client.get(post.get_absolute_url(), secure=True)  # the session, compiled templates
    begin = time.perf_counter()
    response = client.post(f"/comments/post/{post.pk}/", form, secure=True)
    posting = (time.perf_counter() - begin) * 1000
    assert response.status_code == 302, response.status_code

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
    print(f"posting the reply (request, enqueueing included): {posting:7.1f} ms"
          f"  ({posting / statistics.median(hello):.0f}× a hello-world request's "
          f"{statistics.median(hello):.2f} ms)")  # fmt: skip
    print(
        f"worker: {sent} messages in {sending:.1f} s = {sent / sending:7.0f} messages/s "
        f"(workers' start-up included)"
    )
    print(
        f"floor: bare smtplib, one connection: {len(emails) / floor:7.0f} messages/s "
        f"-> the worker at {sent / sending / (len(emails) / floor):.2f}× the floor"
    )


if __name__ == "__main__":
    main()
