"""Reading pages at archive scale: every list page, the sitemaps and the
feeds on a small archive and a large one, side by side.

    .venv/bin/python bench/pages_bench.py [--sizes 1000 100000] [--requests 20] [--rebuild]

For each size, a database afterword_pages_N on the benchmark server
(bench/database.py) holds an archive shaped like a real one
(bench/big_archive.py: repeated titles, long threads, real-sized text,
about 15 comments a post). It is built once and kept: later runs reuse it
unless --rebuild (or its size differs). Each page is requested in process
through Django's test client, as an anonymous reader, by a process per
archive; the archives take turns, a few requests at a time, so that what
else the machine does falls on both alike. The figures are SQL queries, the
median and p99 time, and for every size after the first, the ratio of its
median to the first size's: the cost of the archive's growth.
A hello-world view measured in the same run anchors the times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402


def database_url(size: int) -> str:
    return bench_database_url(f"afterword_pages_{size}")


def env_for(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "*",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def existing_size(url: str) -> int | None:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM posts_post").fetchone()[0]
    except psycopg.Error:
        return None


def ensure(size: int, rebuild: bool) -> None:
    from bench.big_archive import build

    url = database_url(size)
    if not rebuild and existing_size(url) == size:
        # Kept from an earlier run: brought up to the current schema.
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env_for(url), check=True
        )
        return
    print(f"building an archive of {size:,} posts in {url.rsplit('/', 1)[1]} …", flush=True)
    start = time.perf_counter()
    recreate(url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env_for(url), check=True
    )
    posts, comments = build(url, posts=size)
    print(f"  {posts:,} posts, {comments:,} comments in {time.perf_counter() - start:.0f} s")


def pages(size: int) -> list[tuple[str, str]]:
    """(label, URL) of the pages measured, the deep ones at the archive's end."""
    from django.urls import reverse

    from comments.models import Comment
    from posts.models import Post, PostMonth
    from posts.names import author_url, person_url

    per_page = 20
    newest = Post.objects.order_by("-published").first()
    oldest = Post.objects.order_by("published").first()
    year = oldest.published.year
    posts_in_year = Post.objects.filter(published__year=year).count()
    month_posts = Post.objects.filter(
        published__year=oldest.published.year, published__month=oldest.published.month
    ).count()
    byline = Post.objects.values_list("author", flat=True).first()
    byline_posts = Post.objects.filter(author=byline).count()
    person = (
        Comment.objects.published().values_list("author_name", flat=True).order_by("pk").first()
    )
    person_count = Comment.objects.published().filter(author_name=person).count()
    # The whole people index goes from where a page starts: its last page is
    # the one after the name a page's length before the end.
    everyone = Comment.objects.people()
    before_last = everyone[max(0, everyone.count() - per_page - 1)]["name"]
    months = PostMonth.objects.months()
    # The deepest page that is full: the last page's length is a remainder
    # that differs from archive to archive (3 posts of an author here, 18
    # there), and would be timed as if it were the archive's growth.
    last = lambda n: max(1, n // per_page)  # noqa: E731
    return [
        ("home", "/"),
        ("home, last full page", f"/?page={last(size)}"),
        ("year, page 1", f"/{year}/"),
        ("year, last full page", f"/{year}/?page={last(posts_in_year)}"),
        (
            "month, last full page",
            f"/{year}/{oldest.published.month:02d}/?page={last(month_posts)}",
        ),
        ("day", newest.day_url),
        ("archive index", reverse("posts:archive")),
        ("authors index", reverse("posts:authors")),
        ("author, page 1", author_url(byline)),
        ("author, last full page", f"{author_url(byline)}?page={last(byline_posts)}"),
        ("people, page 1", reverse("comments:people")),
        ("people, last page", f"{reverse('comments:people')}?{urlencode({'after': before_last})}"),
        ("people, from Z", f"{reverse('comments:people')}?letter=z"),
        ("people containing", f"{reverse('comments:people')}?q=dave"),
        ("person, page 1", person_url(person)),
        ("person, last full page", f"{person_url(person)}?page={last(person_count)}"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap, oldest", f"/sitemap-posts-{months[-1][0]:%Y-%m}.xml"),
        # The newest month is the one posts are being added to: a part of a
        # month whose length differs from archive to archive (90 posts here,
        # 194 there), and a section costs what its month holds.
        ("sitemap, newest full", f"/sitemap-posts-{months[min(1, len(months) - 1)][0]:%Y-%m}.xml"),
        ("posts feed", reverse("posts:feed")),
        ("comments feed", reverse("comments:feed")),
    ]


def child(size: int) -> None:
    """Serve timings of `size`'s archive's pages, in process: the labels out
    first, then for each (label, requests) read, that page's queries and
    times (`requests` of them at least, and a quarter of a second's), as
    JSON lines."""
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="afterword-static-")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()
    urls = dict([("hello-world", "/robots.txt"), *pages(size)])
    print(json.dumps(list(urls)), flush=True)
    for line in sys.stdin:
        label, requests = json.loads(line)
        url = urls[label]
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        queries: list[str] = []

        def count(run, sql, *args, queries=queries):
            queries.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            client.get(url, secure=True)
        times: list[float] = []
        until = time.perf_counter() + 0.25  # cheap pages: more requests, the same time
        while len(times) < requests or time.perf_counter() < until:
            start = time.perf_counter()
            client.get(url, secure=True)
            times.append(time.perf_counter() - start)
        print(json.dumps({"url": url, "queries": len(queries), "times": times}), flush=True)


class Measurer:
    """A child process timing one archive's pages."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", str(size)], cwd=ROOT,
            env=env_for(database_url(size)), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.labels = json.loads(self._line())

    def _line(self) -> str:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit(f"measuring {self.size:,} posts failed (see above)")
        return line

    def time(self, label: str, requests: int) -> dict:
        self.process.stdin.write(json.dumps([label, requests]) + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self._line())

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait()


def measure(sizes: list[int], requests: int, rounds: int = 5) -> dict:
    """{size: {label: figures}}: each page timed on every archive in turn, a
    few requests at a time, so that what the machine is doing meanwhile
    falls on every size alike."""
    measurers = [Measurer(size) for size in sizes]
    figures: dict[int, dict] = {size: {} for size in sizes}
    try:
        for label in measurers[0].labels:
            for round_ in range(rounds):
                share = requests // rounds + (round_ < requests % rounds)
                for measurer in measurers:
                    got = measurer.time(label, share)
                    kept = figures[measurer.size].setdefault(label, {**got, "times": []})
                    kept["times"] += got["times"]
    finally:
        for measurer in measurers:
            measurer.close()
    for by_label in figures.values():
        for kept in by_label.values():
            times = sorted(kept.pop("times"))
            kept["p50"] = statistics.median(times)
            kept["p99"] = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    for size in args.sizes:
        ensure(size, args.rebuild)
    figures = measure(args.sizes, args.requests)
    base = args.sizes[0]
    head = f"{'page':<20}" + "".join(f"{f'{size:,} posts':>26}" for size in args.sizes)
    head += "".join(f"{f'{size:,}/{base:,}':>15}" for size in args.sizes[1:])
    print(head)
    print(f"{'':<20}" + f"{'queries    p50     p99':>26}" * len(args.sizes))
    worst = 0.0
    for label in figures[base]:
        row = f"{label:<20}"
        for size in args.sizes:
            f = figures[size][label]
            row += f"{f['queries']:>10} {f['p50'] * 1000:6.1f} ms {f['p99'] * 1000:5.1f}"
        for size in args.sizes[1:]:
            ratio = figures[size][label]["p50"] / figures[base][label]["p50"]
            worst = max(worst, ratio) if label != "hello-world" else worst
            row += f"{ratio:>13.2f}x"
        print(row)
    for size in args.sizes:
        hello = figures[size]["hello-world"]["p50"]
        slowest = max(v["p50"] for k, v in figures[size].items() if k != "hello-world")
        print(f"{size:>8,} posts: slowest page {slowest / hello:.0f}x hello-world's time")
    if len(args.sizes) > 1:
        print(f"worst growth: {worst:.2f}x (target: within 1.5x)")


if __name__ == "__main__":
    main()
