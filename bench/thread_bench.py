"""Thread page benchmark: queries and render time for posts with long threads.

    .venv/bin/python bench/thread_bench.py [--sizes 300 50000] [--requests 30] [--render]

Builds, in a fresh afterword_bench database (or the one BENCH_DATABASE_URL
names: bench/database.py), one post per size whose thread
has a realistic shape: archived top-level comments from a capture, then site
replies that answer recent comments more often than old ones, nesting as deep
as conversations go. Then requests each post page in-process through Django's
test client and prints SQL queries per page, median and p99 render time, the
ratio to the first size's page 1, and for long threads page 50, page 1 just
after the thread changed (cold: its index and quotations worked out anew) and
the permalink of a comment on its last pages.

With --render, it also renders each whole thread (every comment, on one page) with the
template the site uses (templates/comments/thread.jinja) and, side by side in
the same run, with the f-string renderer it replaced (bench/legacy_thread.py),
and prints both medians, their ratio and whether the markup is the same.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import fresh_database, setup_django
from bench.synthetic import NAMES, _paragraph

START = datetime(2007, 3, 21, 23, 27, tzinfo=UTC)


def thread_shape(size: int, rng: random.Random) -> tuple[str, list[dict]]:
    """A post's body and its thread as plain data (for this project and for
    the django-comments-xtd anchor alike): archived top-level comments from a
    capture first, then site replies that mostly answer one of the last few
    comments, sometimes an old one, nesting as deep as conversations go.
    Each comment: its parent's index (or None), author, body, posted time,
    and whether it came from the archive."""
    body = "\n\n".join(_paragraph(rng, (2, 5)) for _ in range(8))
    archived = size * 2 // 5
    comments: list[dict] = []
    posted = START
    for number in range(1, size + 1):
        posted += timedelta(seconds=rng.randint(20, 400))
        imported = number <= archived
        parent = None
        if not imported and comments and rng.random() < 0.75:
            parent = len(comments) - 1 - min(int(rng.expovariate(0.3)), len(comments) - 1)
        author = rng.choice(NAMES)
        text = "\n\n".join(_paragraph(rng, (1, 3)) for _ in range(rng.choice((1, 1, 2, 3))))
        comments.append({"parent": parent, "author": author, "body": text,
                         "posted": posted, "imported": imported})  # fmt: skip
    return body, comments


def build_post(size: int, rng: random.Random):
    from comments.models import Comment
    from comments.paths import child_path
    from posts.models import Post

    body, shape = thread_shape(size, rng)
    post = Post.objects.create(
        title=f"A thread of {size} comments",
        slug=f"thread-{size}",
        author="Allahpundit",
        published=START,
        published_text="7:27 pm on March 21, 2007",
        body=body,
        last_comment_number=size,
    )
    comments: list[Comment] = []
    for number, one in enumerate(shape, start=1):
        parent = comments[one["parent"]] if one["parent"] is not None else None
        imported = one["imported"]
        comments.append(
            Comment(
                post=post,
                parent=parent,
                number=number,
                path=child_path(parent.path if parent else None, one["posted"], number),
                author_name=one["author"],
                body=one["body"],
                posted=one["posted"],
                posted_text=Comment.format_posted(one["posted"]),
                source_file="bench.txt" if imported else "",
                source_line=number * 4 if imported else None,
                fingerprint=f"{number:032x}" if imported else "",
            )
        )
    # Parents first, so each row can name its parent's id.
    for depth_batch in _by_depth(comments):
        Comment.objects.bulk_create(depth_batch, batch_size=1000)
    return post, max((c.depth for c in comments), default=0)


def _by_depth(comments):
    levels: dict[int, list] = {}
    for comment in comments:
        levels.setdefault(comment.depth, []).append(comment)
    for depth in sorted(levels):
        for comment in levels[depth]:
            comment.parent_id = comment.parent.pk if comment.parent else None
        yield levels[depth]


def measure(post, requests: int, page: int = 1) -> tuple[int, float, float, int]:
    url = post.get_absolute_url() + (f"?page={page}" if page > 1 else "")
    return measure_url(url, requests, expected=(200,))


def measure_url(url: str, requests: int, *, expected) -> tuple[int, float, float, int]:
    """(queries, median ms, p99 ms, bytes) of `url`, through the test client."""
    from django.db import connection
    from django.test import Client

    client = Client()
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        response = client.get(url, secure=True)  # production settings: HTTP is redirected
    assert response.status_code in expected, (url, response.status_code)
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url, secure=True)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return len(queries), statistics.median(timings), p99, len(response.content)


def _same_markup(html: str) -> str:
    """Markup with the differences that do not matter taken out: white space
    between tags, and how an escaped quote is spelt (&#39; or &#x27;)."""
    html = html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    return "".join(line.strip() for line in html.splitlines())


def measure_render(post, repeats: int) -> tuple[float, float, bool]:
    """Median ms to render the whole thread with the template and with the
    legacy renderer, and whether both write the same markup."""
    from bench import legacy_thread
    from comments.models import Comment
    from comments.quotes import find_quotes
    from comments.rendering import ThreadContext, thread_html
    from comments.threads import visible_thread

    entries = visible_thread(Comment.objects.thread(post))
    comments = [entry.comment for entry in entries]
    context = ThreadContext(
        post_zone=post.zone, quotes=find_quotes(post.body, comments), imported_post=True
    )
    timings: dict[str, list[float]] = {"template": [], "legacy": []}
    outputs = {}
    for _ in range(repeats):
        for name, render in (("template", thread_html), ("legacy", legacy_thread.thread_html)):
            start = time.perf_counter()
            outputs[name] = str(render(entries, context))
            timings[name].append((time.perf_counter() - start) * 1000)
    same = _same_markup(outputs["template"]) == _same_markup(outputs["legacy"])
    return statistics.median(timings["template"]), statistics.median(timings["legacy"]), same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 50_000])
    parser.add_argument("--render", action="store_true", help="also the whole-thread renders")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    fresh_database()
    setup_django()
    rng = random.Random(args.seed)
    print(f"{'comments':>8} {'depth':>5} {'page':>12} {'queries':>7} {'median ms':>9} "
          f"{'p99 ms':>7} {'KiB':>6} {'ratio':>6}")  # fmt: skip
    posts = []
    first = None
    for size in args.sizes:
        post, depth = build_post(size, rng)
        posts.append((size, post))
        far = min(50, size // 300)  # a page every long thread has, the 50th if it can
        pages = [("page 1", 1)] + ([(f"page {far}", far)] if far > 1 else [])
        for label, page in pages:
            queries, median, p99, size_bytes = measure(post, args.requests, page)
            first = first or median
            print(f"{size:>8} {depth:>5} {label:>12} {queries:>7} {median:>9.1f} {p99:>7.1f} "
                  f"{size_bytes / 1024:>6.0f} {median / first:>5.2f}x")  # fmt: skip
        if size > 300:
            median = measure_cold(post, 5)
            print(f"{size:>8} {depth:>5} {'page 1, cold':>12} {'':>7} {median:>9.1f}")
        deep = deep_comment(post)
        queries, median, p99, _ = measure_permalink(deep, args.requests)
        print(f"{size:>8} {depth:>5} {'permalink':>12} {queries:>7} {median:>9.1f} {p99:>7.1f}")
    print(f"(ratio: to page 1 of the {args.sizes[0]}-comment thread)")
    if not args.render:
        return
    print()
    print("Whole thread rendered, template against the f-string renderer it replaced:")
    print(f"{'comments':>8} {'template ms':>11} {'f-string ms':>11} {'ratio':>6} {'markup':>9}")
    for size, post in posts:
        template, legacy, same = measure_render(post, args.requests)
        verdict = "same" if same else "DIFFERENT"
        print(
            f"{size:>8} {template:>11.2f} {legacy:>11.2f} {template / legacy:>5.2f}x {verdict:>9}"
        )


def measure_cold(post, times: int) -> float:
    """Median ms of page 1 just after the thread changed (a comment touched),
    when its index and quotations are worked out anew."""
    from django.test import Client

    from comments.models import Comment

    client = Client()
    one = Comment.objects.filter(post=post).order_by("path").first()
    timings = []
    for _ in range(times):
        Comment.objects.filter(pk=one.pk).update(edited_at=None)  # a new thread version
        start = time.perf_counter()
        client.get(post.get_absolute_url(), secure=True)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def deep_comment(post):
    """A comment near the end of the thread, on its last pages."""
    from comments.models import Comment

    return Comment.objects.filter(post=post, parent=None).order_by("-path")[10]


def measure_permalink(comment, requests: int) -> tuple[int, float, float, int]:
    return measure_url(f"/comments/{comment.pk}/", requests, expected=(302,))


if __name__ == "__main__":
    main()
