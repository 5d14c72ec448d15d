"""Search at archive scale: twenty typical queries on a small archive and a
large one, side by side.

    .venv/bin/python bench/search_bench.py [--sizes 1000 100000] [--requests 5]

Uses the archives of bench/pages_bench.py (built there, or here if missing:
bench/big_archive.py, about 18 comments a post, texts that name things from
a long tail of made-up words). Each query is the search page requested in
process through Django's test client, as a reader would send it: single
words common and rare, phrases, `or`, `-word`, and filters by name, kind
and dates. Printed: each query's median and the number of results the page
states, then the p50 and p99 over every request of every query
for each size, and their ratios to the first size's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_archive import rare_words  # noqa: E402
from bench.pages_bench import database_url, ensure, env_for  # noqa: E402


def queries() -> list[dict[str, str]]:
    rare, _ = rare_words()
    common_rare, mid, tail, unseen = rare[0], rare[20], rare[2000], rare[-1]
    return [
        {"q": "vote"},
        {"q": "people"},
        {"q": "congress"},
        {"q": "the budget"},
        {"q": common_rare},
        {"q": mid},
        {"q": tail},
        {"q": unseen},
        {"q": '"senate vote"'},
        {"q": '"the court ruling"'},
        {"q": f"{mid} or {tail}"},
        {"q": "iran or war"},
        {"q": "election -campaign"},
        {"q": f"{common_rare} -vote"},
        {"q": "vote", "by": "Allahpundit"},
        {"q": "budget", "by": "Kafir"},
        {"q": "vote", "kind": "posts"},
        {"q": mid, "kind": "comments"},
        {"q": "war", "start": "2006-01-01", "end": "2006-03-31"},
        {"q": "congress", "by": "Ed Morrissey", "start": "2005-01-01", "end": "2007-12-31"},
    ]


def child(requests: int) -> None:
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="afterword-static-")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()
    results = []
    for query in queries():
        url = f"/search/?{urlencode(query)}"
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        heading = re.search(r'<h2 class="results-count">([^<,]*)', response.content.decode())
        stated = heading[1] if heading else "nothing found"
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            client.get(url, secure=True)
            times.append(time.perf_counter() - start)
        results.append({"query": query, "times": times, "results": stated})
    print(json.dumps(results))


def measure(size: int, requests: int) -> list[dict]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--requests", str(requests)],
        cwd=ROOT, env=env_for(database_url(size)), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"searching {size:,} posts failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests)
        return
    for size in args.sizes:
        ensure(size, rebuild=False)
    figures = {size: measure(size, args.requests) for size in args.sizes}
    print(f"{'query':<44}" + "".join(f"{f'{size:,} posts':>34}" for size in args.sizes))
    for n, query in enumerate(queries()):
        label = " ".join(f"{k}={v}" for k, v in query.items())
        row = f"{label[:43]:<44}"
        for size in args.sizes:
            found = figures[size][n]
            row += f"{statistics.median(found['times']) * 1000:8.1f} ms {found['results']:>22}"
        print(row)
    base = [t for found in figures[args.sizes[0]] for t in found["times"]]
    for size in args.sizes:
        times = [t for found in figures[size] for t in found["times"]]
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        ratio = f"  ({p50 / percentile(base, 0.5):.2f}x, {p99 / percentile(base, 0.99):.2f}x)"
        print(f"{size:>8,} posts: p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms" + ratio)
    print(f"target: p50 and p99 within 3x the {args.sizes[0]:,}-post archive's")


if __name__ == "__main__":
    main()
