"""Run an import: read, parse and write captures, in one process or several.

Either way the caller gets the same stream of Reports, whatever the number of
processes. With several, each worker writes its own share of the files on its
own database connection: the unique constraints keep two workers from
duplicating anything, and every capture of one post goes to the same worker in
the order given, so that the last capture of a post is the one whose text
stays, as in a single process.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import threading
import traceback
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import DatabaseError, IntegrityError, connection, connections

from importers.exports import write_export
from importers.loading import (
    DatabaseUnreachable,
    Outcome,
    first_line,
    known_captures,
    load,
    record_unchanged,
)
from importers.parsing import ArchiveError
from importers.reading import (
    Capture,
    RawCapture,
    Unreadable,
    file_digest,
    open_export,
    parse_raw,
    read_raw,
    title_line,
)
from importers.sources import MissingPath, Source


class Failure(NamedTuple):
    path: str
    message: str  # "PATH:LINE: what is wrong"

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class Report:
    """What happened to a stretch of files."""

    files: int = 0  # read, successfully or not
    errors: list[Failure] = field(default_factory=list)  # one per failed file
    warnings: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # one per written capture


class WorkerFailed(Exception):
    pass


def usable_jobs(requested: int, files: int, batch_size: int) -> int:
    """How many processes an import of `files` files should use.

    One where others cannot help or cannot work: fewer files than two batches,
    a caller inside a transaction (other connections would not see its writes,
    nor it theirs), or a process running threads (forking one may deadlock).
    """
    if connection.in_atomic_block or threading.active_count() > 1:
        return 1
    return max(1, min(requested, math.ceil(files / batch_size)))


def run_import(
    sources: Iterable[Source | MissingPath],
    *,
    zone: ZoneInfo,
    batch_size: int,
    jobs: int,
    run_id: int | None = None,
) -> Iterator[Report]:
    """Import `sources`; with `run_id`, each batch records what it did to
    each of its files in that run's ledger, in its own transaction."""
    if jobs <= 1:
        yield from import_in_order(sources, zone=zone, batch_size=batch_size, run_id=run_id)
    else:
        yield from _import_in_parallel(
            sources, zone=zone, batch_size=batch_size, jobs=jobs, run_id=run_id
        )


def import_in_order(
    sources: Iterable[Source | MissingPath],
    *,
    zone: ZoneInfo,
    batch_size: int,
    run_id: int | None = None,
) -> Iterator[Report]:
    """Import in this process: a Report for each file read and each batch written.

    Files are read a batch's worth at a time, and those whose bytes were
    imported before are set aside unparsed (a re-run parses nothing)."""
    pending: dict[tuple, Capture] = {}
    for stretch in _stretches(sources, batch_size):
        known = known_captures({raw.digest for raw in stretch if isinstance(raw, RawCapture)})
        seen = [(raw.source, raw.digest, known[raw.digest]) for raw in stretch
                if isinstance(raw, RawCapture) and raw.digest in known]  # fmt: skip
        if seen:
            yield Report(outcomes=record_unchanged(seen, run_id=run_id))
        for raw in stretch:
            report = Report(files=1)
            result: Capture | Unreadable | None
            if isinstance(raw, Unreadable):
                result = raw
            elif raw.digest in known:
                result = None  # among the unchanged, above
            else:
                result = parse_raw(raw, zone)
            if isinstance(result, Unreadable):
                if result.warning:
                    report.warnings.append(result.message)
                else:
                    report.errors.append(Failure(result.path, result.message))
            elif isinstance(result, Capture):
                report.warnings.extend(str(warning) for warning in result.archive.warnings)
                # Two captures of one post go to different batches, so that the
                # later one sees what the earlier one wrote.
                if result.key in pending or len(pending) >= batch_size:
                    yield _write(pending.values(), run_id)
                    pending = {}
                pending[result.key] = result
            yield report
    yield _write(pending.values(), run_id)


def _stretches(sources: Iterable[Source | MissingPath], size: int):
    """The sources, read, `size` at a time."""
    stretch: list[RawCapture | Unreadable] = []
    for source in sources:
        stretch.append(read_raw(source))
        if len(stretch) >= size:
            yield stretch
            stretch = []
    if stretch:
        yield stretch


def _write(captures, run_id: int | None) -> Report:
    report = Report()
    if captures:
        for outcome in load(list(captures), run_id=run_id):
            if outcome.error:
                report.errors.append(Failure(outcome.source, f"{outcome.source}: {outcome.error}"))
            else:
                report.outcomes.append(outcome)
    return report


def _share(source: Source | MissingPath, jobs: int) -> int:
    if isinstance(source, MissingPath):
        return 0
    return zlib.crc32(title_line(source.path).encode()) % jobs


class _Share:
    """Worker `number`'s files of `sources`, picked as each worker walks them
    all: no list of the archive's files is made, in this process or theirs."""

    def __init__(self, sources: Iterable[Source | MissingPath], number: int, jobs: int):
        self.sources, self.number, self.jobs = sources, number, jobs

    def __iter__(self) -> Iterator[Source | MissingPath]:
        return (s for s in self.sources if _share(s, self.jobs) == self.number)


def _import_in_parallel(
    sources: Iterable[Source | MissingPath],
    *,
    zone: ZoneInfo,
    batch_size: int,
    jobs: int,
    run_id: int | None,
) -> Iterator[Report]:
    # Fork: the workers start at once with this process's settings (a test
    # database's name included). No connection may cross the fork.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(number, _Share(sources, number, jobs), zone, batch_size, run_id, messages),
            daemon=True,
        )  # fmt: skip
        for number in range(jobs)
    ]
    for worker in workers:
        worker.start()
    running = set(range(jobs))
    silent = 0
    try:
        while running:
            try:
                number, kind, payload = messages.get(timeout=1)
            except queue.Empty:
                # A worker that died without a word (killed, out of memory):
                # given a second for anything it sent to arrive, stop.
                dead = [n for n in running if workers[n].exitcode is not None]
                silent = silent + 1 if dead else 0
                if silent > 1:
                    raise WorkerFailed(
                        f"import worker {dead[0]} stopped (exit status "
                        f"{workers[dead[0]].exitcode}) before it finished."
                    ) from None
                continue
            if kind == "report":
                yield payload
            elif kind == "done":
                running.discard(number)
            elif kind == "unreachable":
                raise DatabaseUnreachable(payload)
            else:
                raise WorkerFailed(f"import worker {number} failed:\n{payload}")
    finally:
        for worker in workers:
            if worker.is_alive() and running:
                worker.terminate()
            worker.join()


def _worker(
    number: int, share, zone: ZoneInfo, batch_size: int, run_id: int | None, messages
) -> None:
    """Import one share of the files, sending a Report after each batch written."""
    try:
        gathered = Report()
        for report in import_in_order(share, zone=zone, batch_size=batch_size, run_id=run_id):
            gathered.files += report.files
            gathered.errors += report.errors
            gathered.warnings += report.warnings
            gathered.outcomes += report.outcomes
            if report.files == 0:  # a batch was written
                messages.put((number, "report", gathered))
                gathered = Report()
        messages.put((number, "report", gathered))
        messages.put((number, "done", None))
    except DatabaseUnreachable as error:
        messages.put((number, "unreachable", str(error)))
    except BaseException:
        messages.put((number, "failed", traceback.format_exc()))
    finally:
        connection.close()


# Sites' exports ------------------------------------------------------------------


@dataclass(slots=True)
class ExportReport:
    """What happened to one export file: written whole, or not at all."""

    source: str
    kind: str = ""  # wordpress, disqus
    outcomes: list[Outcome] = field(default_factory=list)  # one per post
    warnings: list[str] = field(default_factory=list)
    error: Failure | None = None
    skipped: str = ""  # what it holds that is not imported, by reason


def export_reader(kind: str, path: str, zone: ZoneInfo, *, pages: bool, pings: bool):
    from importers import disqus, wordpress

    if kind == "wordpress":
        return wordpress.Reader(path, zone, pages=pages, pings=pings)
    return disqus.Reader(path, zone)


def read_export(source: Source, kind: str, zone: ZoneInfo, *, pages: bool, pings: bool,
                each) -> ExportReport:  # fmt: skip
    """Parse an export, calling `each` with every post (the dry run)."""

    def parse(file, posts) -> list[Outcome]:
        for post in posts:
            each(post)
        return []

    reader = export_reader(kind, source.name, zone, pages=pages, pings=pings)
    return _read(source, reader, ExportReport(source.name, kind), parse)


def import_export(source: Source, kind: str, zone: ZoneInfo, *, pages: bool, pings: bool,
                  run_id: int | None) -> ExportReport:  # fmt: skip
    """Import an export in one transaction: the whole file, or nothing of it.
    Another importer that took the same posts or comments a moment earlier
    (the unique constraints are the arbiter) means reading it again, to find
    them written."""

    def write(file, posts) -> list[Outcome]:
        digest = file_digest(file)  # read through, then back at the start for the posts
        return write_export(posts, path=source.name, digest=digest, run_id=run_id)

    for attempt in range(3):
        report = ExportReport(source.name, kind)
        reader = export_reader(kind, source.name, zone, pages=pages, pings=pings)
        try:
            return _read(source, reader, report, write)
        except IntegrityError as error:
            if attempt == 2:
                report.error = _refused(source, error)
    return report


def _read(source: Source, reader, report: ExportReport, work) -> ExportReport:
    """`work(file, posts)` on the open export, its outcomes the report's;
    its refusals (parser, file, database, but a lost race, which the caller
    retries) become the report's error."""
    try:
        with open_export(source) as file:
            report.outcomes = work(file, reader.posts(file))
    except IntegrityError:
        raise
    except ArchiveError as error:
        report.error = Failure(source.name, str(error))
    except OSError as error:
        report.error = Failure(source.name, f"{source.name}: cannot read: {error.strerror}")
    except DatabaseError as error:
        if not connection.is_usable():
            raise DatabaseUnreachable(first_line(error)) from None
        report.error = _refused(source, error)
    if report.error is None:
        report.warnings, report.skipped = reader.warnings, str(reader.skipped)
    return report


def _refused(source: Source, error: DatabaseError) -> Failure:
    return Failure(source.name, f"{source.name}: the database refused it: {first_line(error)}")
