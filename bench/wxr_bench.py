"""WordPress export benchmark: a generated WXR file imported end to end.

    .venv/bin/python bench/wxr_bench.py [--posts 10000] [--comments 15] [--seed 1]

Writes one WXR file of --posts published posts and about --comments threaded
comments each (a third of them replies, one post in a hundred a long thread
of 300, titles that recur, HTML bodies of real length), then, in a fresh
database, imports it with `manage.py import_archive` and prints comments/s and
the importer's peak memory, beside the same for a file a fifth the size (peak
memory must not grow with the file) and beside the anchor measured in the
same run: PostgreSQL's COPY of the same rows into bare tables (their columns
and primary key only). The database is afterword_bench (bench/database.py).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import copy_ceiling, fresh_database, run_import  # noqa: E402
from bench.synthetic import NAMES, _paragraph, titles  # noqa: E402

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>
"""


def _when(moment: datetime) -> tuple[str, str]:
    local = moment - timedelta(hours=5)
    return local.strftime("%Y-%m-%d %H:%M:%S"), moment.strftime("%Y-%m-%d %H:%M:%S")


def write_wxr(path: Path, posts: int, comments: int, seed: int) -> int:
    """The export, written as it is generated; returns its comments."""
    rng = random.Random(seed)
    names = titles(rng, posts)
    start = datetime(2006, 1, 1, 12, tzinfo=UTC)
    comment_id = total = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(posts):
            published = start + timedelta(hours=4 * n, minutes=rng.randrange(60))
            date, gmt = _when(published)
            body = "\n\n".join(_paragraph(rng, (2, 6)) for _ in range(rng.randint(3, 8)))
            out.write(
                f"<item><title>{escape(names[n])}</title>"
                f"<link>https://bench.example/{n}/</link><dc:creator>{rng.choice(NAMES)}</dc:creator>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<wp:post_id>{n + 1}</wp:post_id><wp:post_date>{date}</wp:post_date>"
                f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt><wp:post_name>p{n}</wp:post_name>"
                f"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                f"<wp:post_password></wp:post_password>"
                f"<category domain=\"post_tag\" nicename=\"t\">Tag {n % 50}</category>\n"
            )  # fmt: skip
            count = 300 if rng.random() < 0.01 else rng.randint(0, 2 * comments - 2)
            ids: list[int] = []
            for k in range(count):
                comment_id += 1
                parent = rng.choice(ids) if ids and rng.random() < 0.35 else 0
                ids.append(comment_id)
                date, gmt = _when(published + timedelta(minutes=3 * k + rng.randrange(3)))
                text = "\n\n".join(_paragraph(rng, (1, 4)) for _ in range(rng.randint(1, 3)))
                if rng.random() < 0.1:
                    text += ' <a href="https://example.org/">a <em>link</em></a>'
                out.write(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[{rng.choice(NAMES)}]]></wp:comment_author>"
                    f"<wp:comment_author_email>r{comment_id % 997}@example.org"
                    f"</wp:comment_author_email><wp:comment_author_IP>192.0.2.{comment_id % 250}"
                    f"</wp:comment_author_IP><wp:comment_date>{date}</wp:comment_date>"
                    f"<wp:comment_date_gmt>{gmt}</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>"
                    f"<wp:comment_approved>1</wp:comment_approved>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
                )  # fmt: skip
            total += count
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return total


def measure(posts: int, comments: int, seed: int, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="afterword-wxr-") as tmp:
        path = Path(tmp) / "export.xml"
        count = write_wxr(path, posts, comments, seed)
        fresh_database()
        run = run_import(path, extra)
        run.update(posts=posts, comments=count, size=path.stat().st_size)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=15, help="mean comments per post")
    parser.add_argument("--seed", type=int, default=1)
    args, extra = parser.parse_known_args()
    small = measure(args.posts // 5, args.comments, args.seed, extra)
    large = measure(args.posts, args.comments, args.seed, extra)
    bare, deployed, posts, rows = copy_ceiling()  # the large import's rows, again
    for run in (small, large):
        s = run["seconds"]
        print(
            f"{run['posts']:6d} posts, {run['comments']:7d} comments, {run['size'] / 2**20:6.1f} "
            f"MiB: {s:6.1f} s, {run['comments'] / s:6.0f} comments/s, "
            f"{run['statements']:6d} SQL statements, peak memory {run['peak_rss'] / 2**20:.0f} MiB"
        )
    print(f"COPY of the same {posts} posts and {rows} comments, bare tables: {bare:.2f} s "
          f"({rows / bare:.0f} comments/s); the site's tables: {deployed:.2f} s")  # fmt: skip
    print(f"import / bare COPY: {large['seconds'] / bare:.1f}x; import / site COPY: "
          f"{large['seconds'] / deployed:.1f}x")  # fmt: skip
    growth = large["peak_rss"] / small["peak_rss"]
    print(f"peak memory, {large['size'] / small['size']:.1f}x the file: {growth:.2f}x")


if __name__ == "__main__":
    main()
