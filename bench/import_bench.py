"""Import benchmark: synthetic captures into a fresh PostgreSQL database.

    .venv/bin/python bench/import_bench.py [--files 10000] [--comments 15] [--seed 1]

Prints files/s, comments/s, SQL statements and the importer's peak memory (of
its largest process) for a first import into the empty database (in bulk:
importers/bulk.py), a re-run of the same files, both again without the
import ledger (its cost, side by side), and the first import row by row
(`--no-bulk`); then the time PostgreSQL's own COPY takes to write the same
rows into bare tables (their columns and primary key only: the anchor) and
into the site's own tables, and the time the server takes to work out the
same rows' search documents set-wise (what an import with search ready at
the end cannot avoid), and the ratios. The
captures' titles repeat as a blog's do, and one in a hundred is a long thread.
The database, afterword_bench (or the one BENCH_DATABASE_URL names:
bench/database.py), is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402

BENCH_DATABASE_URL = bench_database_url("afterword_bench")


def django_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": BENCH_DATABASE_URL,
        "SECRET_KEY": "bench",
        "ALLOWED_HOSTS": "*",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def setup_django() -> None:
    os.environ.update(django_env())
    # Production settings name static files by their hashes: collect them first.
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="afterword-static-")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", "--noinput", verbosity=0)


def fresh_database() -> None:
    recreate(BENCH_DATABASE_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=django_env(), check=True
    )


def child(folder: str, extra: list[str]) -> None:
    """Run one import in this process and print its figures as JSON."""
    setup_django()
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    if "--without-ledger" in extra:
        extra.remove("--without-ledger")
        leave_out_the_ledger()

    # Shared memory: the importer's worker processes, forked from this one,
    # inherit the counting wrappers and add to the same count.
    statements = multiprocessing.get_context("fork").Value("q", 0)

    def count(execute, sql, params, many, context):
        with statements.get_lock():
            statements.value += 1
        return execute(sql, params, many, context)

    # COPY goes to psycopg directly, past Django's execute wrappers: count it too.
    plain_copy = psycopg.Cursor.copy

    def counted_copy(self, *args, **kwargs):
        with statements.get_lock():
            statements.value += 1
        return plain_copy(self, *args, **kwargs)

    psycopg.Cursor.copy = counted_copy

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        call_command("import_archive", folder, "--quiet", *extra)
    elapsed = time.perf_counter() - start
    # The largest of this process and the importer's workers, if it had any.
    peak = max(resource.getrusage(who).ru_maxrss for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    print(json.dumps({"seconds": elapsed, "statements": statements.value, "peak_rss": peak * 1024}))


def leave_out_the_ledger() -> None:
    """The same import with no ledger: no run opened or closed, no line per
    file written by the batches. Only to measure what the ledger costs."""
    from importers.management.commands import import_archive
    from importers.models import ImportRun

    real_run_import = import_archive.run_import

    def run_import_unrecorded(*args, run_id=None, **kwargs):
        return real_run_import(*args, run_id=None, **kwargs)

    import_archive.run_import = run_import_unrecorded
    import_archive.start_run = lambda **kwargs: ImportRun(pk=0)
    import_archive.finish_run = lambda *args, **kwargs: None


def run_import(folder: Path, extra: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), *extra],
        cwd=ROOT, env=django_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def copy_ceiling() -> tuple[float, float, int, int]:
    """Seconds for COPY to load the imported rows again: into bare tables
    (the same columns and a primary key, nothing else), and into the emptied
    deployed tables (their indexes, constraints and triggers)."""
    setup_django()
    from django.db import connection

    tables = ["posts_post", "comments_comment"]
    dumps = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in tables:
            # Every column but the generated ones, which COPY leaves out.
            buffer = io.BytesIO()
            with raw.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
        counts = [cursor.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
        for table in tables:
            cursor.execute(
                f"SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                f"WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped "
                f"AND attgenerated = ''"
            )
            columns = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE IF EXISTS bare_{table}")
            cursor.execute(
                f"CREATE TABLE bare_{table} AS SELECT {columns} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"ALTER TABLE bare_{table} ADD PRIMARY KEY (id)")
        connection.commit() if not connection.get_autocommit() else None
        start = time.perf_counter()
        for table in tables:
            with raw.copy(f"COPY bare_{table} FROM STDIN (FORMAT binary)") as copy:
                copy.write(dumps[table])
        bare = time.perf_counter() - start
        cursor.execute("TRUNCATE comments_comment, posts_post CASCADE")  # and what refers to them
        start = time.perf_counter()
        for table in tables:
            with raw.copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
                copy.write(dumps[table])
        deployed = time.perf_counter() - start
        # What no import with search ready at the end can do without: the
        # search documents of the same rows, worked out set-wise (in
        # parallel where the server may) and not even stored.
        start = time.perf_counter()
        for table in tables:
            cursor.execute(
                f"SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute "
                f"ON attrelid = adrelid AND attnum = adnum "
                f"WHERE adrelid = '{table}'::regclass AND attgenerated = 's'"
            )
            (document,) = cursor.fetchone()
            cursor.execute(f"SELECT sum(length({document})) FROM {table}")
        stemming = time.perf_counter() - start
    return bare, deployed, stemming, counts[0], counts[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=15, help="mean comments per capture")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args()  # the rest goes to import_archive (--jobs 1…)
    if args.child:
        child(args.child, extra)
        return

    from bench.synthetic import write_captures

    with tempfile.TemporaryDirectory(prefix="afterword-bench-") as tmp:
        folder = Path(tmp)
        comments = write_captures(folder, args.files, args.comments, args.seed)
        size = sum(p.stat().st_size for p in folder.rglob("*.txt"))
        print(
            f"{args.files} synthetic captures, {comments} comments, {size / 2**20:.1f} MiB "
            f"(seed {args.seed})"
        )
        fresh_database()
        row_by_row = run_import(folder, [*extra, "--no-bulk"])
        fresh_database()
        bare = run_import(folder, [*extra, "--without-ledger"])
        bare_again = run_import(folder, [*extra, "--without-ledger"])
        fresh_database()
        first = run_import(folder, extra)
        again = run_import(folder, extra)
    for label, run in (("first import", first), ("re-run (unchanged)", again),
                       ("first, no ledger", bare), ("re-run, no ledger", bare_again),
                       ("first, row by row", row_by_row)):  # fmt: skip
        s = run["seconds"]
        print(
            f"{label:>20}: {s:6.2f} s  {args.files / s:8.0f} files/s  "
            f"{comments / s:8.0f} comments/s  {run['statements']:6d} SQL statements  "
            f"peak memory {run['peak_rss'] / 2**20:.0f} MiB a process"
        )
    bare_copy, deployed, stemming, posts, rows = copy_ceiling()
    for label, seconds in (("COPY, bare tables", bare_copy), ("COPY, site's tables", deployed),
                           ("search documents", stemming)):  # fmt: skip
        print(
            f"{label:>20}: {seconds:6.2f} s  ({posts} posts, {rows} comments: "
            f"{rows / seconds:.0f} comments/s)"
        )
    print(f"{'import / bare COPY':>20}: {first['seconds'] / bare_copy:.1f}x (target: 3x)")
    print(
        f"{'documents / bare COPY':>20}: {stemming / bare_copy:.1f}x "
        f"(the search's own floor, on every core the server uses)"
    )
    print(
        f"{'import / the two':>20}: {first['seconds'] / (bare_copy + stemming):.1f}x "
        f"(bare COPY, then the documents)"
    )
    print(f"{'import / site COPY':>20}: {first['seconds'] / deployed:.1f}x")
    print(
        f"{'bulk / row by row':>20}: {first['seconds'] / row_by_row['seconds']:.2f}x the time "
        f"of the first import into the empty archive"
    )
    print(f"{'first / re-run':>20}: {first['seconds'] / again['seconds']:.1f}x (target: 10x)")
    for label, with_it, without in (("first import", first, bare), ("re-run", again, bare_again)):
        print(
            f"{'ledger, ' + label:>20}: {with_it['seconds'] / without['seconds']:.2f}x the time, "
            f"{with_it['statements'] - without['statements']:+d} SQL statements"
        )


if __name__ == "__main__":
    main()
