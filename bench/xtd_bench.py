"""A post page against django-comments-xtd's, for the same thread, side by side.

    .venv/bin/python bench/xtd_bench.py [--comments 100] [--requests 30] [--seconds 4]

django-comments-xtd runs in a virtualenv of its own, `.bench-venvs/xtd`
(git-ignored; made here on the first run, from the package index, with the
Django this project pins), so that the product never depends on it. Its
site, `bench/xtd_site/`, is a post page after its tutorial's: the comment
form and `{% render_xtdcomment_tree %}`, threads as deep as they go. Both
sites get the same post and the same thread, shaped as bench/thread_bench.py
shapes one, each in a fresh database of its own (afterword_xtd_ours,
afterword_xtd_theirs). Printed, for each: the page's median render time in
process (Django's test client, production settings), as readers meet it
and for the first reader after a change to the thread (the cache cleared
before each request), and its requests/s
under gunicorn with config/gunicorn.py, eight clients, beside a hello-world
view on the same server; then ours over theirs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402
from bench.http_bench import fetch, gunicorn, rate  # noqa: E402

VENV = ROOT / ".bench-venvs" / "xtd"
XTD = "django-comments-xtd==2.10.13"
OURS_URL = bench_database_url("afterword_xtd_ours")
THEIRS_URL = bench_database_url("afterword_xtd_theirs")


def django_pin() -> str:
    for line in (ROOT / "requirements" / "base.txt").read_text().splitlines():
        if line.lower().startswith("django=="):
            return line.split()[0]
    raise SystemExit("requirements/base.txt pins no Django")


def xtd_python() -> str:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making {VENV.relative_to(ROOT)} ({XTD}) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", XTD, django_pin(), "psycopg[binary]",
             "dj-database-url", "gunicorn"],
            check=True,
        )  # fmt: skip
    return str(python)


@functools.cache
def _static_root() -> str:
    return tempfile.mkdtemp(prefix="afterword-static-")


def ours_env() -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": OURS_URL, "SECRET_KEY": "bench", "ALLOWED_HOSTS": "*",
        "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "STATIC_ROOT": _static_root(),
    }  # fmt: skip


def theirs_env() -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": THEIRS_URL, "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.xtd_site.settings",
    }  # fmt: skip


# Run in the xtd virtualenv: the same post and thread as XtdComments.
THEIRS_BUILD = """
import json, sys, django
from datetime import datetime
django.setup()
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django_comments_xtd.models import XtdComment
from bench.xtd_site.blog.models import Post
data = json.load(sys.stdin)
post = Post.objects.create(title=data["title"], body=data["body"],
                           publish=datetime.fromisoformat(data["published"]))
kind, site = ContentType.objects.get_for_model(Post), Site.objects.get_current()
made = []
for one in data["comments"]:
    parent = made[one["parent"]] if one["parent"] is not None else None
    comment = XtdComment(content_type=kind, object_pk=str(post.pk), site=site,
                         user_name=one["author"], comment=one["body"],
                         submit_date=datetime.fromisoformat(one["posted"]),
                         parent_id=parent.pk if parent else 0)
    comment.save()
    made.append(comment)
print(post.get_absolute_url())
"""

# Run in either virtualenv: the page's median render time, in process.
RENDER = """
import json, statistics, sys, time, django
django.setup()
from django.core.management import call_command
from django.test import Client
url, requests, secure = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "https"
client = Client()
assert client.get(url, secure=secure).status_code == 200
from django.core.cache import cache
times, cold = [], []
for _ in range(requests):
    start = time.perf_counter()
    client.get(url, secure=secure)
    times.append(time.perf_counter() - start)
for _ in range(requests):  # the first reader after a change: nothing cached
    cache.clear()
    start = time.perf_counter()
    client.get(url, secure=secure)
    cold.append(time.perf_counter() - start)
size = len(client.get(url, secure=secure).content)
print(json.dumps({"median": statistics.median(times), "cold": statistics.median(cold),
                  "bytes": size}))
"""


def build(comments: int) -> tuple[str, str]:
    """Both sites' databases with the same post and thread: their pages' paths."""
    from bench.thread_bench import START, thread_shape

    body, shape = thread_shape(comments, random.Random(1))
    recreate(OURS_URL)
    recreate(THEIRS_URL)
    env = ours_env()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
        check=True,
    )  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    from bench.thread_bench import build_post

    post, _ = build_post(comments, random.Random(1))
    ours = post.get_absolute_url()
    python = xtd_python()
    subprocess.run([python, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=theirs_env(),
                   check=True)  # fmt: skip
    data = {
        "title": post.title, "body": body, "published": START.isoformat(),
        "comments": [{**one, "posted": one["posted"].isoformat()} for one in shape],
    }  # fmt: skip
    done = subprocess.run(
        [python, "-c", THEIRS_BUILD], cwd=ROOT, env=theirs_env(), input=json.dumps(data),
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"building django-comments-xtd's thread failed:\n{done.stderr[-3000:]}")
    return ours, done.stdout.strip().splitlines()[-1]


def render_time(python: str, env: dict, url: str, requests: int, secure: bool) -> dict:
    done = subprocess.run(
        [python, "-c", RENDER, url, str(requests), "https" if secure else "http"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def served(python: str, env: dict, wsgi: str, url: str, seconds: float) -> tuple[float, float]:
    """(requests/s of the page, of hello-world) under gunicorn, one server."""
    with gunicorn(python, wsgi, env) as server:
        port = server.port
        # A reader who has been here before: with the cookies the page gave.
        status, headers, _ = fetch(port, url, {})
        assert status == 200, (url, status)
        cookie = {"Cookie": headers.get("cookie", "")}
        return rate(port, url, cookie, seconds, 8), rate(port, "/bench/hello/", {}, seconds, 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    ours_url, theirs_url = build(args.comments)
    python = xtd_python()
    ours = render_time(sys.executable, ours_env(), ours_url, args.requests, secure=True)
    theirs = render_time(python, theirs_env(), theirs_url, args.requests, secure=False)
    ours_rate, ours_hello = served(sys.executable, ours_env(), "bench.http_wsgi", ours_url,
                                   args.seconds)  # fmt: skip
    theirs_rate, theirs_hello = served(python, theirs_env(), "bench.xtd_site.wsgi", theirs_url,
                                       args.seconds)  # fmt: skip
    print(f"post page, {args.comments} comments, the same thread, side by side")
    print(f"{'':>26} {'render (in process)':>20} {'first after a change':>21} {'requests/s':>11} "
          f"{'hello-world/s':>14} {'KiB':>6}")  # fmt: skip
    for label, timing, per_second, hello in (
        ("Afterword", ours, ours_rate, ours_hello),
        ("django-comments-xtd", theirs, theirs_rate, theirs_hello),
    ):
        print(f"{label:>26} {timing['median'] * 1000:17.1f} ms {timing['cold'] * 1000:18.1f} ms "
              f"{per_second:11.0f} {hello:14.0f} {timing['bytes'] / 1024:6.0f}")  # fmt: skip
    print(f"{'Afterword / xtd':>26} {ours['median'] / theirs['median']:19.2f}x "
          f"{ours['cold'] / theirs['cold']:20.2f}x {ours_rate / theirs_rate:10.2f}x   "
          "(targets: at most 0.12x the time, at least 3x the requests/s)")  # fmt: skip


if __name__ == "__main__":
    main()
