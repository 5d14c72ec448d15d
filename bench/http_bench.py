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
hello-world's, and the post page's size with and without gzip; and the
server's CPU time per request (gunicorn's processes and PostgreSQL's, those
that ended meanwhile included; not the clients'), with hello-world's over
the page's: the requests/s ratio of a server with nothing else to do, which
another tenant of a shared machine moves far less than it moves requests/s. The post and
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
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

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


class Server(NamedTuple):
    port: int
    pid: int  # gunicorn's master


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(roots: list[int]) -> float:
    """CPU time used so far by the processes `roots` and their descendants,
    with the descendants that have ended (their parents reaped them)."""
    children, spent = defaultdict(list), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        children[int(fields[1])].append(pid)
        # utime, stime, and the reaped children's cutime and cstime
        spent[pid] = sum(int(field) for field in fields[11:15])

    def tree(pid: int) -> int:
        return spent.get(pid, 0) + sum(tree(child) for child in children[pid])

    return sum(tree(root) for root in roots) / TICKS


def postmaster() -> int | None:
    """The local PostgreSQL server's main process, if the database is on this
    machine (the parent of this connection's server process)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        ppid = int((Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split())[1])
    except OSError:
        return None
    return ppid


@contextlib.contextmanager
def gunicorn(python: str, wsgi: str, env: dict[str, str]) -> Iterator[Server]:
    """gunicorn with config/gunicorn.py serving `wsgi` (which must answer
    /bench/hello/) on a free port, until the block ends."""
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
        yield Server(port, server.pid)
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
    with gunicorn(sys.executable, "bench.http_wsgi", env) as server:
        port = server.port
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
        database = postmaster()
        processes = [server.pid] + ([database] if database else [])
        print(f"gunicorn (config/gunicorn.py), {args.clients} clients, {args.seconds:.0f} s each;")
        print("CPU: the server's, gunicorn's" + (" and PostgreSQL's" if database else
              " only (PostgreSQL is on another machine)"))  # fmt: skip
        # In rounds, the pages taking turns, so that what else the machine
        # does (and gunicorn's restarts of its workers) falls on all alike.
        figures = dict.fromkeys([label for label, _, _ in rows], 0.0)
        spent = dict.fromkeys(figures, 0.0)
        served = dict.fromkeys(figures, 0.0)
        share = args.seconds / args.rounds
        for _ in range(args.rounds):
            for label, path, headers in rows:
                before = cpu_seconds(processes)
                per_second = rate(port, path, headers, share, args.clients)
                spent[label] += cpu_seconds(processes) - before
                served[label] += per_second * share
                figures[label] += per_second / args.rounds
        hello, hello_cpu = figures["hello-world"], spent["hello-world"] / served["hello-world"]
        for label, per_second in figures.items():
            cpu = spent[label] / served[label]
            print(
                f"{label:>42}: {per_second:6.0f} requests/s {per_second / hello:5.2f}x hello-world"
                f" | {cpu * 1e6:6.0f} µs CPU/request {hello_cpu / cpu:5.2f}x"
            )
        _, _, body = fetch(port, post_path, cookie)
        _, _, zipped = fetch(port, post_path, {**cookie, "Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped)
        print(f"{'post page, 100 comments, bytes':>40}: {len(body):8,} plain, {len(zipped):,} gzip "
              f"({len(zipped) / len(body):.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
