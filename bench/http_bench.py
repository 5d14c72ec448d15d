"""Requests per second under gunicorn: conditional requests against full
pages, side by side with a hello-world view on the same server.

    .venv/bin/python bench/http_bench.py [--seconds 4] [--clients 8] [--rounds 4]

Builds, in a fresh afterword_http_bench database (bench/database.py), the
sample archives and a post with a 100-comment thread shaped like a real one
(bench/thread_bench.py), then starts gunicorn with the project's own settings
(config/gunicorn.py, production Django settings, behind a proxy that says
HTTPS) and a hello-world view beside the site's URLs (bench/moderation_urls.py).
Each client opens a connection per request, as gunicorn's synchronous
workers close them, for `--seconds` per page, in `--rounds` turns; the
clients run in two processes. Printed: requests/s of each page, its ratio to
hello-world's, and the post page's size with and without gzip. The post and
home pages are requested in full and conditionally; the other pages a reader
goes to (a year, an author, the indexes, the sitemap and a feed)
conditionally.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402

DATABASE_URL = bench_database_url("afterword_http_bench")


def environment(static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "STATIC_ROOT": static_root,
    }


def prepare(env: dict[str, str]) -> str:
    """The database and static files; return the 100-comment post's path."""
    recreate(DATABASE_URL)
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run(
        [sys.executable, "manage.py", "import_archive", "examples/archives", "--quiet"], **run
    )  # type: ignore[call-overload]
    os.environ.update(env)
    import django

    django.setup()
    from bench.thread_bench import build_post

    post, _ = build_post(100, random.Random(1))
    return post.get_absolute_url()


def other_pages() -> list[tuple[str, str]]:
    """The other pages an anonymous reader goes to, of the sample archives."""
    from django.urls import reverse
    from django.utils.timezone import localtime

    from posts.models import Post
    from posts.names import author_url

    post = Post.objects.order_by("published").first()
    return [
        ("year page", f"/{post.published.year}/"), ("author page", author_url(post.author)),
        ("archive index", reverse("posts:archive")), ("people index", reverse("comments:people")),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap section", f"/sitemap-posts-{localtime(post.published):%Y-%m}.xml"),
        ("posts feed", reverse("posts:feed")), ("comments feed", reverse("comments:feed")),
    ]  # fmt: skip


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             "X-Forwarded-Proto: https", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), value.strip())
        if name.lower() == "set-cookie":
            found["cookie"] = "; ".join(filter(None, [found.get("cookie"), value.split(";")[0]]))
    return int(status_line.split()[1]), found, body


def _load(port, path, headers, seconds, clients, counts) -> None:
    def client():
        done, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            fetch(port, path, headers)
            done += 1
        with lock:
            counts.value += done

    lock = threading.Lock()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def rate(port: int, path: str, headers: dict[str, str], seconds: float, clients: int) -> float:
    counts = multiprocessing.Value("q", 0)
    workers = [
        multiprocessing.Process(
            target=_load, args=(port, path, headers, seconds, clients // 2, counts)
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return counts.value / seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(python: str, wsgi: str, env: dict[str, str]) -> Iterator[int]:
    """gunicorn with config/gunicorn.py serving `wsgi` (which must answer
    /bench/hello/) on a free port, until the block ends: yields the port."""
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "-c", "config/gunicorn.py", wsgi,
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                fetch(port, "/bench/hello/", {})
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    env = environment(tempfile.mkdtemp(prefix="afterword-static-"))
    post_path = prepare(env)
    with gunicorn(sys.executable, "bench.http_wsgi", env) as port:
        # A reader who has been here before: the cookie the form gave them.
        status, headers, _ = fetch(port, post_path, {})
        cookie = {"Cookie": headers.get("cookie", "")}
        pages = {}
        for label, path in (("post page, 100 comments", post_path), ("home page", "/"),
                            *other_pages()):  # fmt: skip
            status, headers, body = fetch(port, path, cookie)
            assert status == 200, (path, status)
            again, _, _ = fetch(port, path, {**cookie, "If-None-Match": headers["etag"]})
            assert again == 304, (path, again)
            pages[label] = (path, headers["etag"], body)
        rows = [("hello-world", "/bench/hello/", {})]
        for n, (label, (path, tag, _)) in enumerate(pages.items()):
            if n < 2:  # the other pages' conditional requests only
                rows.append((f"{label}, full", path, cookie))
            rows.append((f"{label}, conditional (304)", path, {**cookie, "If-None-Match": tag}))
        print(f"gunicorn (config/gunicorn.py), {args.clients} clients, {args.seconds:.0f} s each")
        # In rounds, the pages taking turns, so that what else the machine
        # does (and gunicorn's restarts of its workers) falls on all alike.
        figures = dict.fromkeys([label for label, _, _ in rows], 0.0)
        for _ in range(args.rounds):
            for label, path, headers in rows:
                share = args.seconds / args.rounds
                figures[label] += rate(port, path, headers, share, args.clients) / args.rounds
        hello = figures["hello-world"]
        for label, per_second in figures.items():
            print(
                f"{label:>40}: {per_second:8.0f} requests/s  {per_second / hello:5.2f}x hello-world"
            )
        _, _, body = fetch(port, post_path, cookie)
        _, _, zipped = fetch(port, post_path, {**cookie, "Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped)
        print(f"{'post page, 100 comments, bytes':>40}: {len(body):8,} plain, {len(zipped):,} gzip "
              f"({len(zipped) / len(body):.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
