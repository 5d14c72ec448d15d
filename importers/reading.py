"""Read and parse one capture file. Pure Python."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from importers.parsing import ArchiveError, ParsedArchive, decode, parse_archive
from importers.sources import MissingPath, Source


@dataclass(frozen=True, slots=True)
class Capture:
    """A parsed capture, ready to load."""

    source: str
    digest: str  # SHA-256 of the file's bytes
    archive: ParsedArchive

    @property
    def key(self):
        return (self.archive.published, self.archive.title)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A capture that cannot be imported, with the report that says why."""

    message: str


def read_capture(source: Source | MissingPath, zone: ZoneInfo) -> Capture | Unreadable:
    if isinstance(source, MissingPath):
        return Unreadable(str(source))
    try:
        with open(source.path, "rb") as file:
            data = file.read()
    except OSError as error:
        return Unreadable(f"{source.name}: cannot read: {error.strerror}")
    try:
        archive = parse_archive(data, path=source.name, zone=zone)
    except ArchiveError as error:
        return Unreadable(str(error))
    return Capture(source.name, hashlib.sha256(data).hexdigest(), archive)


def title_line(path: str, limit: int = 4096) -> str:
    """The capture's first non-blank line, read from its first `limit` bytes:
    what keeps captures of one post together when an import is split up.
    Empty for a file that cannot be read or has no such line."""
    try:
        with open(path, "rb") as file:
            head = file.read(limit)
    except OSError:
        return ""
    for raw in head.replace(b"\r", b"\n").split(b"\n"):
        line = decode(raw)[0].strip()
        if line:
            return line
    return ""
