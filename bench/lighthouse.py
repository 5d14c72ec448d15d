"""Lighthouse scores of a post page with 300 comments, served as in production.

    .venv/bin/python bench/lighthouse.py [--comments 300] [--preset mobile|desktop] [--runs 3]

Imports one synthetic capture into a fresh database (afterword_lighthouse, or
the one BENCH_DATABASE_URL names: bench/database.py), collects static files, starts gunicorn with
production settings on loopback (DEBUG off, WhiteNoise, no TLS redirect since
there is no proxy), and runs Lighthouse 12 (npm, installed by bin/test) with
Debian's Chromium, three times by default. Prints each run's performance
score and their median, and the four category scores, the page's weight and
timings of the median run; the last report is written to var/lighthouse.html.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import bench_database_url, recreate  # noqa: E402
from bench.synthetic import capture  # noqa: E402

BENCH_DATABASE_URL = bench_database_url("afterword_lighthouse")
CHROME = "/usr/bin/chromium"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile")
    parser.add_argument(
        "--runs", type=int, default=3, help="Lighthouse runs; the median is reported"
    )
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run bin/test once (it runs npm ci).")
    if not Path(CHROME).exists():
        sys.exit(f"{CHROME} is missing: sudo apt-get install chromium")

    port = free_port()
    static = tempfile.mkdtemp(prefix="afterword-static-")
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DATABASE_URL,
        "DEBUG": "false",
        "SECRET_KEY": "lighthouse-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": static,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    python = sys.executable
    recreate(BENCH_DATABASE_URL)
    manage = [python, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long-thread.txt"
        path.write_text(capture(random.Random(1), 0, args.comments))
        subprocess.run([*manage, "import_archive", "--quiet", str(path)], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
    url_of_post = subprocess.run(
        [*manage, "shell", "--no-imports", "-c",
         "from posts.models import Post; print(Post.objects.get().get_absolute_url())"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip

    server = subprocess.Popen(
        [python, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}{url_of_post}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        report = ROOT / "var" / "lighthouse"
        report.parent.mkdir(exist_ok=True)
        command = [
            str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output=html",
            f"--output-path={report}",
            "--only-categories=performance,accessibility,best-practices,seo",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        ]  # fmt: skip
        if args.preset == "desktop":
            command.append("--preset=desktop")
        results = []
        for _ in range(args.runs):
            for _attempt in range(3):
                # Lighthouse now and then fails to record a trace (NO_NAVSTART); again.
                run = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROME})
                if run.returncode == 0:
                    break
            else:
                sys.exit("Lighthouse failed three times.")
            results.append(json.loads((report.parent / "lighthouse.report.json").read_text()))
    finally:
        server.terminate()
        server.wait()

    # The run with the median performance score stands for all of them.
    results.sort(key=lambda r: r["categories"]["performance"]["score"])
    result = results[len(results) // 2]
    scores = [round(r["categories"]["performance"]["score"] * 100) for r in results]
    print(f"Performance in {len(results)} runs: {', '.join(map(str, scores))}; median "
          f"{scores[len(scores) // 2]}")  # fmt: skip
    audits = result["audits"]
    print(f"Post page with {args.comments} comments, Lighthouse {result['lighthouseVersion']}, "
          f"{args.preset} preset")  # fmt: skip
    for category in result["categories"].values():
        print(f"  {category['title']:<16} {round(category['score'] * 100):>3}")
    for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                "cumulative-layout-shift", "total-byte-weight", "dom-size"):  # fmt: skip
        print(f"  {audits[key]['title']:<26} {audits[key]['displayValue']}")
    failed = [a["title"] for a in audits.values() if a.get("score") == 0 and a["scoreDisplayMode"]
              in ("binary", "numeric")]  # fmt: skip
    if failed:
        print("  Failed audits: " + "; ".join(failed))
    print(f"  Report: {report.parent / 'lighthouse.report.html'}")


if __name__ == "__main__":
    main()
