from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ARCHIVES = FIXTURES / "archives"
NEW_YORK = ZoneInfo("America/New_York")
MAHDI = ARCHIVES / "2007-03-21-ap-mahdi-army-fractures.txt"


@pytest.fixture
def capture_file(tmp_path):
    """Write a capture (text or bytes) to a file and return its path."""

    def write(content: str | bytes, name: str = "capture.txt") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write
