"""Moderation queue benchmark: the admin's comment list at archive scale.

    .venv/bin/python bench/moderation_bench.py [--comments 100000] [--pending 5000]

Builds, in a fresh afterword_moderation_bench database (or the one
BENCH_DATABASE_URL names: bench/database.py), posts whose titles repeat as a
blog's do, with threads of real-sized comments: most imported and published,
the rest written on the site with emails and addresses, `--pending` of them
held. Then, signed in as a superuser through Django's test client, it requests
each page repeatedly and prints SQL queries, p50 and p99 time:

- a hello-world view and Django's stock ModelAdmin list of the same table
  (anchors, measured side by side in the same run);
- the queue (All), the Pending tab, an address search, an address filter,
  the queue at 50 rows and one post page as a moderator sees it;
- a bulk approve of 500 pending comments through the admin's action, against
  the floor: one bare UPDATE of the same 500 rows.

Each figure is also given as a ratio to the anchors, since on a shared machine
an absolute time alone says little.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402
from bench.synthetic import NAMES, _paragraph  # noqa: E402

DATABASE_URL = bench_database_url("afterword_moderation_bench")
TITLES = ["Open thread", "Quotes of the day", "Video: the debate", "Breaking: the vote",
          "Headlines", "The morning after"]  # fmt: skip


def setup() -> None:
    os.environ.update(
        DATABASE_URL=DATABASE_URL, SECRET_KEY="bench", ALLOWED_HOSTS="*", DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=tempfile.mkdtemp(prefix="afterword-static-"),
    )  # fmt: skip
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)


def build(total: int, pending: int, rng: random.Random) -> None:
    """`total` comments over posts of 50, `pending` of them held."""
    from django.db import connection

    from comments.models import Comment
    from comments.paths import child_path
    from posts.models import Post

    per_post = 50
    start = datetime(2007, 3, 21, 23, 27, tzinfo=UTC)
    posts = Post.objects.bulk_create(
        Post(
            title=f"{TITLES[n % len(TITLES)]}",
            slug=f"{n}-{Post.base_slug(TITLES[n % len(TITLES)])}",
            author="Allahpundit",
            published=start + timedelta(hours=6 * n),
            published_text="7:27 pm on March 21, 2007",
            body="\n\n".join(_paragraph(rng, (2, 5)) for _ in range(6)),
            last_comment_number=per_post,
        )
        for n in range(total // per_post)
    )
    site_every = 5  # one comment in five was written on the site
    held = set(rng.sample(range(total), pending))
    rows = []
    for index in range(total):
        post = posts[index // per_post]
        number = index % per_post + 1
        posted = post.published + timedelta(minutes=3 * number)
        site = index in held or index % site_every == 0
        name = rng.choice(NAMES)
        rows.append(
            Comment(
                post=post,
                number=number,
                path=child_path(None, posted, number),
                author_name=name,
                email=f"{name.split()[0].lower()}{index % 700}@example.org" if site else "",
                body="\n\n".join(_paragraph(rng, (1, 4)) for _ in range(rng.choice((1, 2, 3)))),
                posted=posted,
                posted_text=Comment.format_posted(posted),
                status="pending" if index in held else "published",
                source_file="" if site else "bench.txt",
                source_line=None if site else number * 4,
                fingerprint="" if site else f"{index:032x}",
                ip_address=f"203.0.{index % 250}.{index % 200 + 1}" if site else None,
            )
        )
    Comment.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE comments_comment")


def timed(client, method: str, url: str, requests: int, data=None) -> dict:
    from django.db import connection

    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        response = getattr(client, method)(url, data or {}, secure=True)
    assert response.status_code in (200, 302), (url, response.status_code)
    timings = []
    for _ in range(requests):
        begin = time.perf_counter()
        getattr(client, method)(url, data or {}, secure=True)
        timings.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p99": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
    }


def bulk_approve(client, requests: int) -> tuple[dict, dict]:
    """Approve 500 pending comments through the admin's action, `requests`
    times (each on fresh pending rows), and the bare UPDATE of 500 rows."""
    from django.db import connection

    from comments.models import Comment

    ours, floor, queries = [], [], 0
    for round_ in range(requests):
        ids = list(
            Comment.objects.filter(status="pending")
            .order_by("pk")
            .values_list("pk", flat=True)[:500]
        )
        seen: list[str] = []

        def count(execute, sql, *args, seen=seen):
            seen.append(sql)
            return execute(sql, *args)

        begin = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.post(
                "/admin/comments/comment/",
                {"action": "approve", "_selected_action": ids},
                secure=True,
            )
        ours.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 302, response.status_code
        queries = len(seen)
        # The floor: put them back with one UPDATE, timed.
        begin = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE comments_comment SET status = 'pending' WHERE id = ANY(%s)", [ids]
            )
        floor.append((time.perf_counter() - begin) * 1000)
        del round_
    ours.sort()
    floor.sort()
    return (
        {"queries": queries, "p50": statistics.median(ours), "p99": ours[-1]},
        {"queries": 1, "p50": statistics.median(floor), "p99": floor[-1]},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    recreate(DATABASE_URL)
    setup()
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from comments.models import Comment

    rng = random.Random(args.seed)
    begin = time.perf_counter()
    build(args.comments, args.pending, rng)
    print(f"Built {args.comments:,} comments ({args.pending:,} pending) in "
          f"{time.perf_counter() - begin:.1f} s.", file=sys.stderr)  # fmt: skip

    user = User.objects.create_superuser("bench", password="bench")
    client = Client()
    client.force_login(user)
    held = Comment.objects.filter(status="pending").order_by("pk").first()
    address = held.ip_address
    prefix = address.rsplit(".", 1)[0] + "."
    pages = {
        "hello world (anchor)": "/bench/hello/",
        "stock ModelAdmin list (anchor)": "/bench/admin/comments/comment/",
        "queue: All": "/admin/comments/comment/",
        "queue: Pending tab": "/admin/comments/comment/?status__exact=pending",
        "queue: Spam tab (empty)": "/admin/comments/comment/?status__exact=spam",
        f"queue: search {prefix}": f"/admin/comments/comment/?q={prefix}",
        f"queue: address {address}": f"/admin/comments/comment/?address={address}",
        "post page as a moderator": held.post.get_absolute_url(),
    }
    results = {}
    with override_settings(ROOT_URLCONF="bench.moderation_urls"):
        for name, url in pages.items():
            results[name] = timed(client, "get", url, args.requests)
        bulk, floor = bulk_approve(client, max(3, args.requests // 4))
    results["bulk approve 500 (admin action)"] = bulk
    results["bare UPDATE of 500 rows (floor)"] = floor

    hello = results["hello world (anchor)"]["p50"]
    stock = results["stock ModelAdmin list (anchor)"]["p50"]
    out = io.StringIO()
    out.write(f"\n{args.comments:,} comments, {args.pending:,} pending; "
              f"{args.requests} requests each, in-process (Django's test client)\n\n")  # fmt: skip
    out.write(f"{'':44} {'queries':>7} {'p50 ms':>8} {'p99 ms':>8} {'×hello':>7} {'×stock':>7}\n")
    for name, figures in results.items():
        out.write(
            f"{name:44} {figures['queries']:>7} {figures['p50']:>8.1f} {figures['p99']:>8.1f} "
            f"{figures['p50'] / hello:>7.1f} {figures['p50'] / stock:>7.2f}\n"
        )
    ratio = bulk["p50"] / floor["p50"]
    out.write(f"\nbulk approve 500 vs the bare UPDATE: {ratio:.1f}× (locks, re-reads, log)\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
