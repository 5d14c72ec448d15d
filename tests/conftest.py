import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

FIXTURES = Path(__file__).parent / "fixtures"
ARCHIVES = FIXTURES / "archives"
NEW_YORK = ZoneInfo("America/New_York")
MAHDI = ARCHIVES / "2007-03-21-ap-mahdi-army-fractures.txt"

# What the sample captures hold, read from their expected parsed form: two of
# them are comment pages of one post, so there are fewer posts than files.
_EXPECTED = [json.loads(p.read_text()) for p in sorted((ARCHIVES / "expected").glob("*.jsonl"))]
SAMPLE_FILES = len(_EXPECTED)
SAMPLE_POSTS = len({(record["title"], record["published"]) for record in _EXPECTED})
SAMPLE_COMMENTS = sum(len(record["comments"]) for record in _EXPECTED)


def subprocess_database_url() -> str:
    """The test database as a DATABASE_URL, for manage.py run in a process of its own
    (on the embedded server: through its socket, which this process keeps open)."""
    from django.db import connection

    params = connection.get_connection_params()
    user, host, name = params["user"], params["host"], params["dbname"]
    if host.startswith("/"):  # a socket folder: postgres://user@//folder/name
        return f"postgres://{user}@/{host}/{name}"
    return f"postgres://{user}@{host}:{params['port']}/{name}"


@pytest.fixture
def capture_file(tmp_path):
    """Write a capture (text or bytes) to a file and return its path."""

    def write(content: str | bytes, name: str = "capture.txt") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached pages and no rate-limit counts."""
    cache.clear()
    yield
    cache.clear()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (the browser tests only)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bin/test says so too).")
    # Playwright's sync API runs an event loop in this thread; the test's own
    # database calls are ordinary synchronous ones all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
