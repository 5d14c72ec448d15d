"""A large archive shaped like a real one, written straight into a migrated
database with COPY: the data set of the page and search benchmarks.

Real archives repeat themselves: a few thousand titles come back year after
year ("Open thread", "Quotes of the day"), a few bylines write everything, a
handful of commenters write most of the comments while thousands write once,
threads run from none to hundreds, and replies answer recent comments more
often than old ones. Texts are of real length (posts of 4 to 10 paragraphs,
comments of 1 to 3), of common English words with the occasional topical one,
and a third of them name something rarer, from a long tail of made-up names.

    from bench.big_archive import build
    build("postgres://…/afterword_pages_100k", posts=100_000, comments=15)

The rows are those an import would write (imported posts and comments with
their fingerprints and source lines), a few percent of comments held or
removed by moderators; counts, numbers and paths as the site keeps them.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import psycopg

from bench.synthetic import NAMES, WORDS, _clock, _day, _paragraph, _sentence
from bench.synthetic import titles as synthetic_titles

# Posts are an hour and a half apart: 100,000 of them span seventeen years.
START = datetime(2005, 1, 3, 9, tzinfo=UTC)
SPACING = timedelta(minutes=90)
_UNIX_EPOCH = 62_135_596_800  # as comments/paths.py


def _segment(moment: datetime, number: int) -> bytes:
    return (int(moment.timestamp()) + _UNIX_EPOCH).to_bytes(5, "big") + number.to_bytes(4, "big")


def rare_words(seed: int = 1, count: int = 20_000) -> tuple[list[str], list[float]]:
    """Made-up names of things (places, people, bills), most used first, and
    cumulative weights: a long tail, a few common, most seen a handful of
    times. The same for every size of archive of one seed."""
    rng = random.Random(seed * 7919)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(count)})
    rng.shuffle(words)
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        weights.append(total)
    return words, weights


def _people(rng: random.Random, count: int) -> tuple[list[str], list[float]]:
    """Commenter names and cumulative weights: a few write most comments."""
    names = list(NAMES)
    while len(names) < count:
        names.append(f"{rng.choice(WORDS).capitalize()}{rng.choice(WORDS)}{rng.randint(1, 999)}")
    weights, total = [], 0.0
    for rank in range(1, len(names) + 1):
        total += 1 / rank
        weights.append(total)
    return names, weights


def build(url: str, *, posts: int, comments: int = 15, seed: int = 1) -> tuple[int, int]:
    """Fill the migrated, empty database at `url`; return (posts, comments)."""
    rng = random.Random(seed)
    titles = synthetic_titles(rng, max(10, posts // 30))
    people, weights = _people(rng, max(50, posts // 5))
    rare, rare_weights = rare_words(seed)

    def text(paragraphs: int, sentences: tuple[int, int]) -> str:
        """Paragraphs of common words; a third of texts name something rarer."""
        parts = [_paragraph(rng, sentences) for _ in range(paragraphs)]
        if rng.random() < 0.33:
            word = rng.choices(rare, cum_weights=rare_weights)[0]
            parts[-1] += f" {_sentence(rng, 3, 8)[:-1]} {word.capitalize()} {_sentence(rng, 2, 6)}"
        return "\n\n".join(parts)

    now = datetime.now(UTC)
    written = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        # Search indexes built once at the end rather than row by row.
        cursor.execute("DROP INDEX post_search; DROP INDEX comment_search")
        post_rows, comment_rows = [], []
        comment_id = 0
        slugs: dict[str, int] = {}
        for n in range(posts):
            title = rng.choice(titles)
            base = "-".join(title.lower().split())[:80]
            slugs[base] = slugs.get(base, 0) + 1
            slug = base if slugs[base] == 1 else f"{base}-{slugs[base]}"
            published = START + n * SPACING
            count = max(0, round(rng.gauss(comments, comments / 3)))
            if rng.random() < 0.01:
                count *= 20  # the post everybody argued about
            thread: list[tuple[int, bytes]] = []
            published_comments = 0
            posted = published
            source = f"captures/{n // 1000:03d}/capture-{n:06d}.txt"
            for number in range(1, count + 1):
                comment_id += 1
                posted += timedelta(minutes=rng.randint(0, 9))
                parent = None
                if thread and rng.random() < 0.4:
                    parent = thread[-1 - min(int(rng.expovariate(0.3)), len(thread) - 1)]
                path = (parent[1] if parent else b"") + _segment(posted, number)
                body = text(rng.choice((1, 1, 1, 2, 2, 3)), (1, 3))
                status = "published" if rng.random() > 0.03 else rng.choice(("pending", "removed"))
                published_comments += status == "published"
                author = rng.choices(people, cum_weights=weights)[0]
                fingerprint = hashlib.blake2b(
                    f"{author}\x1f{posted}\x1f{body}".encode(), digest_size=16
                ).hexdigest()
                comment_rows.append((
                    comment_id, n + 1, parent[0] if parent else None, number, path, author,
                    body, posted, f"{_day(posted)} at {_clock(posted, True)}", status, source,
                    number * 4, fingerprint, now,
                ))  # fmt: skip
                thread.append((comment_id, path))
            post_rows.append((
                n + 1, title, slug, rng.choice(NAMES[:3]), published,
                f"{_clock(published, False)} on {_day(published)}",
                text(rng.randint(4, 10), (1, 5)),
                source, hashlib.sha256(source.encode()).hexdigest(), count,
                published_comments, now, now,
            ))  # fmt: skip
            if len(comment_rows) > 50_000 or n == posts - 1:
                # A transaction a batch, as the importer's: the counts the
                # triggers keep (of names, months) are updated in place, batch
                # after batch, as they are in a real import.
                cursor.execute("SET LOCAL afterword.import_counts = 'on'")  # counts in the posts
                _copy(cursor, "posts_post", POST_COLUMNS, post_rows)
                _copy(cursor, "comments_comment", COMMENT_COLUMNS, comment_rows)
                conn.commit()  # the foreign keys are checked
                written += len(comment_rows)
                post_rows, comment_rows = [], []
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("CREATE INDEX post_search ON posts_post USING gin (search_vector)")
        cursor.execute("CREATE INDEX comment_search ON comments_comment USING gin (search_vector)")
        for table, last in (("posts_post", posts), ("comments_comment", max(comment_id, 1))):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return posts, written


POST_COLUMNS = (
    "id", "title", "slug", "author", "published", "published_text", "body", "source_name",
    "source_hash", "last_comment_number", "comment_count", "created_at", "updated_at",
)  # fmt: skip
COMMENT_COLUMNS = (
    "id", "post_id", "parent_id", "number", "path", "author_name", "body", "posted",
    "posted_text", "status", "source_file", "source_line", "fingerprint", "created_at",
)  # fmt: skip


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    # The columns left out take the values an import gives them.
    fill = {
        "posts_post": {"capture_hashes": "[]", "time_zone": ""},
        "comments_comment": {"email": "", "website": "", "occurrence": 0},
    }[table]
    names = ", ".join((*columns, *fill))
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *fill.values()))
