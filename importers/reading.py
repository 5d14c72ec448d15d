"""Read and parse one capture file. Pure Python."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from importers.exported import HEAD, sniff
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
    """A capture that cannot be imported, with the report that says why: an
    error, or a warning for what is skipped on purpose (`warning` True)."""

    message: str
    warning: bool = False
    path: str = ""  # the file's name as reported


class NotRegular(Exception):
    """A path that is not a regular file: reading a named pipe could wait for
    ever, and a device could never end."""

    KINDS = {
        stat.S_IFIFO: "a named pipe",
        stat.S_IFSOCK: "a socket",
        stat.S_IFCHR: "a device",
        stat.S_IFBLK: "a device",
        stat.S_IFDIR: "a folder",
    }

    def __init__(self, mode: int) -> None:
        super().__init__(self.KINDS.get(stat.S_IFMT(mode), "not a regular file"))


def read_regular(path: str, limit: int = -1) -> bytes:
    """The bytes of a regular file (its first `limit`, if given); NotRegular
    for anything else, found without blocking on it."""
    mode = os.stat(path).st_mode  # a socket cannot even be opened
    if not stat.S_ISREG(mode):
        raise NotRegular(mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # no wait, if it became a pipe since
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(mode)
        return file.read(limit)


@dataclass(frozen=True, slots=True)
class RawCapture:
    """A capture's bytes, read but not yet parsed: a re-run looks its digest
    up first, and parses only what it has not seen."""

    source: str
    data: bytes
    digest: str  # SHA-256 of the bytes


def read_raw(source: Source | MissingPath) -> RawCapture | Unreadable:
    if isinstance(source, MissingPath):
        return Unreadable(str(source), path=source.name)
    try:
        data = read_regular(source.path)
    except NotRegular as kind:
        return Unreadable(
            f"{source.name}: warning: {kind}, not a capture; skipped", warning=True,
            path=source.name,
        )  # fmt: skip
    except OSError as error:
        return Unreadable(f"{source.name}: cannot read: {error.strerror}", path=source.name)
    return RawCapture(source.name, data, hashlib.sha256(data).hexdigest())


def parse_raw(raw: RawCapture, zone: ZoneInfo) -> Capture | Unreadable:
    try:
        archive = parse_archive(raw.data, path=raw.source, zone=zone)
    except ArchiveError as error:
        return Unreadable(str(error), path=raw.source)
    return Capture(raw.source, raw.digest, archive)


def read_capture(source: Source | MissingPath, zone: ZoneInfo) -> Capture | Unreadable:
    raw = read_raw(source)
    return raw if isinstance(raw, Unreadable) else parse_raw(raw, zone)


def title_line(path: str, limit: int = 4096) -> str:
    """The capture's first non-blank line, read from its first `limit` bytes:
    what keeps captures of one post together when an import is split up.
    Empty for a file that cannot be read or has no such line."""
    try:
        head = read_regular(path, limit)
    except (OSError, NotRegular):
        return ""
    for raw in head.replace(b"\r", b"\n").split(b"\n"):
        line = decode(raw)[0].strip()
        if line:
            return line
    return ""


def format_of(source: Source | MissingPath, forced: str = "") -> str:
    """What a file holds: "capture", "wordpress" or "disqus", told from its
    first bytes (or `forced`). A file that cannot be read is a capture here:
    reading it as one reports why."""
    if forced:
        return forced
    if isinstance(source, MissingPath):
        return "capture"
    try:
        return sniff(read_regular(source.path, HEAD))
    except (OSError, NotRegular):
        return "capture"


class OfFormat:
    """The sources that hold `kind`, as often as they are walked."""

    def __init__(self, sources: Iterable[Source | MissingPath], kind: str, forced: str = "",
                 count: int | None = None) -> None:  # fmt: skip
        self.sources, self.kind, self.forced, self.count = sources, kind, forced, count

    def __iter__(self) -> Iterator[Source | MissingPath]:
        return (s for s in self.sources if format_of(s, self.forced) == self.kind)

    def __len__(self) -> int:
        if self.count is None:
            self.count = sum(1 for _ in self)
        return self.count


def open_export(source: Source) -> IO[bytes]:
    """An export, opened to be streamed (it may be larger than memory)."""
    mode = os.stat(source.path).st_mode
    if not stat.S_ISREG(mode):
        raise OSError(0, str(NotRegular(mode)))
    return open(source.path, "rb")


def file_digest(file: IO[bytes]) -> str:
    """SHA-256 of an open file, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()
