"""Parse archived captures of blog post pages.

Pure Python, no Django: bytes in, dataclasses out. The format is specified in
docs/archive-format.md; every rule there has a test in tests/test_parsing.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CHROME_STARTS = frozenset({"Related Posts:", "Breaking on Hot Air", "Trackback URL"})
CHROME_END = "Trackback URL"
# The links of a thread split over several comment pages: chrome wherever it
# stands in the comments section.
COMMENT_PAGES_RE = re.compile(r"Comment pages:(?:[ \t]+\d+)+")

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTH = "(?P<month>" + "|".join(MONTHS) + ")"
_SP = "[ \t]+"  # a run of spaces or tabs counts as one space
_SP_RUN = re.compile(_SP)
# re.ASCII: digits are [0-9] only, and letters match case-insensitively in ASCII
# only (Unicode case folding would let "ſ" stand for "s" in a month name).
_FLAGS = re.ASCII | re.IGNORECASE

BYLINE_RE = re.compile(
    rf"posted{_SP}at{_SP}(?P<when>(?P<hour>\d{{1,2}}):(?P<minute>\d\d){_SP}(?P<ampm>am|pm)"
    rf"{_SP}on{_SP}{_MONTH}{_SP}(?P<day>\d{{1,2}}),{_SP}(?P<year>\d{{4}})){_SP}by{_SP}(?P<author>.+)",
    _FLAGS,
)
# The author is greedy, so the date is the last "on Month D, YYYY at H:MM AM|PM"
# of the line: commenters' names may themselves contain " on ".
SIGNATURE_RE = re.compile(
    rf"(?P<author>.*\S){_SP}on{_SP}(?P<when>{_MONTH}{_SP}(?P<day>\d{{1,2}}),{_SP}(?P<year>\d{{4}})"
    rf"{_SP}at{_SP}(?P<hour>\d{{1,2}}):(?P<minute>\d\d){_SP}(?P<ampm>am|pm))",
    _FLAGS,
)

# Windows-1252 as the WHATWG encoding standard defines it: Python's cp1252 codec
# leaves five bytes undefined, browsers map them to the C1 control characters.
_CP1252_TABLE = {
    byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(0x80, 0xA0)
}


class ArchiveError(Exception):
    """A capture breaks the format; nothing of it may be imported."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class ArchiveWarning:
    """Something odd that does not stop the file. `line` is None for the whole file."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: warning: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedComment:
    author: str
    posted: datetime
    posted_text: str  # the date and time exactly as the capture wrote them
    body: tuple[str, ...]
    line: int  # the signature line


@dataclass(frozen=True, slots=True)
class ParsedArchive:
    title: str
    author: str
    published: datetime
    published_text: str  # "7:27 pm on March 21, 2007", as the capture wrote it
    body: tuple[str, ...]
    comments: tuple[ParsedComment, ...]
    warnings: tuple[ArchiveWarning, ...] = field(default=())

    def as_json(self, source: str) -> dict:
        """The importer's dry-run form of the capture (one JSON Lines record)."""
        return {
            "source": source,
            "title": self.title,
            "author": self.author,
            "published": _iso(self.published),
            "body": list(self.body),
            "comments": [
                {"author": c.author, "posted": _iso(c.posted), "body": list(c.body)}
                for c in self.comments
            ],
        }


def _author(match: re.Match[str]) -> str:
    """AUTHOR of a byline or signature, each run of spaces or tabs one space,
    as the page showed it."""
    return _SP_RUN.sub(" ", match["author"])


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def decode(data: bytes) -> tuple[str, bool]:
    """Return the text of a capture and whether it fell back to Windows-1252."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("latin-1").translate(_CP1252_TABLE), True


def split_lines(text: str) -> list[str]:
    """Lines end at \n, \r\n or \r and only there (not at U+2028 or a form feed,
    where str.splitlines would break)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def parse_archive(data: bytes, *, path: str, zone: ZoneInfo) -> ParsedArchive:
    """Parse one capture. Raises ArchiveError naming the line at fault."""
    text, fell_back = decode(data)
    if "\x00" in text:
        # PostgreSQL stores no NUL in text, and no page shows one.
        line = next(n for n, line in enumerate(split_lines(text), start=1) if "\x00" in line)
        raise ArchiveError(path, line, "a NUL character (byte 0), which no text can hold")
    warnings: list[ArchiveWarning] = []
    if fell_back:
        warnings.append(ArchiveWarning(path, None, "not valid UTF-8; read as Windows-1252"))
    lines = [line.strip() for line in split_lines(text)]
    return _Parser(path, lines, zone, warnings).parse()


class _Parser:
    def __init__(
        self, path: str, lines: list[str], zone: ZoneInfo, warnings: list[ArchiveWarning]
    ) -> None:
        self.path = path
        self.lines = lines
        self.zone = zone
        self.warnings = warnings

    def error(self, index: int, message: str) -> ArchiveError:
        return ArchiveError(self.path, index + 1, message)

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(ArchiveWarning(self.path, index + 1, message))

    def next_nonblank(self, start: int) -> int | None:
        for index in range(start, len(self.lines)):
            if self.lines[index]:
                return index
        return None

    def parse(self) -> ParsedArchive:
        lines = self.lines
        title_at = self.next_nonblank(0)
        if title_at is None:
            raise self.error(0, "empty file: no title")
        byline_at = self.next_nonblank(title_at + 1)
        if byline_at is None:
            raise self.error(title_at + 1, "missing byline after the title")
        byline = BYLINE_RE.fullmatch(lines[byline_at])
        if byline is None:
            raise self.error(
                byline_at,
                "missing byline: expected 'posted at H:MM am|pm on Month D, YYYY by AUTHOR'",
            )
        published = self.moment(byline, byline_at)

        chrome_at = next(
            (i for i in range(byline_at + 1, len(lines)) if lines[i] in CHROME_STARTS), None
        )
        comments: tuple[ParsedComment, ...] = ()
        if chrome_at is None:
            body_end = len(lines)
        else:
            trackback_at = next(
                (i for i in range(chrome_at, len(lines)) if lines[i] == CHROME_END), None
            )
            if trackback_at is None:
                raise self.error(
                    chrome_at,
                    f"'{lines[chrome_at]}' starts the site chrome but no "
                    f"'{CHROME_END}' line follows it",
                )
            body_end = chrome_at
            comments = self.comments(trackback_at + 1)

        return ParsedArchive(
            title=lines[title_at],
            author=_author(byline),
            published=published,
            published_text=byline["when"],
            body=tuple(text for _, text in self.paragraphs(byline_at + 1, body_end)),
            comments=comments,
            warnings=tuple(self.warnings),
        )

    def paragraphs(self, start: int, end: int) -> list[tuple[int, str]]:
        """(first line index, text) of each paragraph in lines[start:end]."""
        found: list[tuple[int, str]] = []
        run: list[str] = []
        for index in range(start, end):
            line = self.lines[index]
            if line:
                if not run:
                    first = index
                run.append(line)
            elif run:
                found.append((first, "\n".join(run)))
                run = []
        if run:
            found.append((first, "\n".join(run)))
        return found

    def comments(self, start: int) -> tuple[ParsedComment, ...]:
        lines = self.lines
        comments: list[ParsedComment] = []
        paragraphs: list[str] = []  # of the comment being read
        run: list[str] = []  # lines of the paragraph being read
        opened = start  # first line of the comment's first paragraph
        for index in range(start, len(lines)):
            line = lines[index]
            # A "Comment pages:" line is dropped, and ends a paragraph as a blank
            # line would: the text on either side of it was never one paragraph.
            if not line or (line[0] == "C" and COMMENT_PAGES_RE.fullmatch(line)):
                if run:
                    paragraphs.append("\n".join(run))
                    run = []
                continue
            # Cheap filter first: most lines are prose, and a signature ends in AM/PM.
            if line[-1] in "mM" and (signature := SIGNATURE_RE.fullmatch(line)):
                if run:
                    paragraphs.append("\n".join(run))
                    run = []
                comments.append(
                    ParsedComment(
                        author=_author(signature),
                        posted=self.moment(signature, index),
                        posted_text=signature["when"],
                        body=tuple(paragraphs),
                        line=index + 1,
                    )
                )
                paragraphs = []
                continue
            if not run and not paragraphs:
                opened = index
            run.append(line)
        if run:
            paragraphs.append("\n".join(run))
        if paragraphs:
            where = "after the last comment's signature" if comments else "and no signature"
            self.warn(
                opened,
                f"{len(paragraphs)} paragraph(s) in the comments section {where}"
                " belong to no comment; dropped",
            )
        return tuple(comments)

    def moment(self, match: re.Match[str], index: int) -> datetime:
        """The aware time a byline or signature names, in the capture's zone."""
        hour, minute = int(match["hour"]), int(match["minute"])
        if not 1 <= hour <= 12 or minute > 59:
            raise self.error(index, f"time does not exist: {match['hour']}:{match['minute']}")
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
        month = MONTHS[match["month"].lower()]
        try:
            # fold=0 (the default): a repeated hour takes its first occurrence,
            # a skipped one the offset in force before the change.
            local = datetime(int(match["year"]), month, int(match["day"]), hour, minute,
                             tzinfo=self.zone)  # fmt: skip
        except ValueError:
            raise self.error(
                index, f"date does not exist: {match['month']} {match['day']}, {match['year']}"
            ) from None
        if local.utcoffset() != local.replace(fold=1).utcoffset():
            round_trip = local.astimezone(UTC).astimezone(self.zone)
            if round_trip.replace(tzinfo=None) == local.replace(tzinfo=None):
                what = "occurs twice (clocks went back); took the first occurrence"
            else:
                what = "does not exist (clocks went forward); took the offset before the change"
            self.warn(index, f"{local:%Y-%m-%d %H:%M} in {self.zone.key} {what}")
        return local
