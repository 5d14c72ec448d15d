from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

FIXTURES = Path(__file__).parent / "fixtures"
ARCHIVES = FIXTURES / "archives"
NEW_YORK = ZoneInfo("America/New_York")
MAHDI = ARCHIVES / "2007-03-21-ap-mahdi-army-fractures.txt"


def subprocess_database_url() -> str:
    """The test database as a DATABASE_URL, for manage.py run in a process of its own."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


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
