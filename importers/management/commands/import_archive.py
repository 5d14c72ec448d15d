import json
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection

from importers.loading import DatabaseUnreachable, Outcome, first_line
from importers.progress import Progress
from importers.reading import Unreadable, read_capture
from importers.running import Report, WorkerFailed, run_import, usable_jobs
from importers.sources import find_sources


class Command(BaseCommand):
    help = (
        "Import archived captures of blog post pages (files, or folders read recursively "
        "for *.txt). Re-running is safe: nothing is duplicated and no moderation is undone."
    )

    def get_check_kwargs(self, options):
        # Checks that ask the database server (generated columns do) are
        # migrate's business; a dry run must work with no database at all.
        return {**super().get_check_kwargs(options), "databases": []}

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; touch no database."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="With --dry-run: print each parsed capture as one JSON line.",
        )
        parser.add_argument(
            "--timezone",
            metavar="ZONE",
            help="IANA zone the captures' times are in (default: TIME_ZONE, %(default)s).",
            default=settings.TIME_ZONE,
        )
        parser.add_argument("--quiet", action="store_true", help="Print only errors and warnings.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200,
            metavar="N",
            help="Captures written per transaction (default %(default)s).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=_cpus(),
            metavar="N",
            help="Processes writing at once on PostgreSQL (default: one per CPU, %(default)s; "
            "at most one per batch of files).",
        )

    def handle(self, *, paths, dry_run, json, timezone, quiet, batch_size, jobs, **options):
        if json and not dry_run:
            raise CommandError("--json goes with --dry-run.")
        if batch_size < 1 or jobs < 1:
            raise CommandError("--batch-size and --jobs must be at least 1.")
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"--timezone {timezone!r} is not an IANA time zone name.") from None

        self.tally = Tally()
        sources = list(find_sources(paths))
        show_progress = not (quiet or json) and self.stderr.isatty() and len(sources) > 1
        self.progress = Progress(self.stderr, total=len(sources), enabled=show_progress)
        if dry_run:
            self.dry_run(sources, zone, json=json, quiet=quiet)
        else:
            jobs = usable_jobs(jobs, len(sources), batch_size)
            if options["verbosity"] >= 2:
                self.stdout.write(f"Writing {len(sources)} files with {plural(jobs, 'process')}.")
            try:
                connection.ensure_connection()
                for report in run_import(sources, zone=zone, batch_size=batch_size, jobs=jobs):
                    self.absorb(report)
            except WorkerFailed as error:
                raise CommandError(str(error)) from None
            except (DatabaseUnreachable, OperationalError) as error:
                self.progress.clear()
                reason = error if isinstance(error, DatabaseUnreachable) else first_line(error)
                raise CommandError(
                    f"cannot reach the database ({reason}); nothing more was imported. "
                    "Re-running the import later is safe."
                ) from None
        self.progress.done()

        if not (quiet or json):
            self.stdout.write(self.tally.summary(dry_run=dry_run))
        if self.tally.failed:
            raise CommandError(
                f"{self.tally.failed} of {len(sources)} files failed; see the errors above."
            )

    def dry_run(self, sources, zone, *, json: bool, quiet: bool) -> None:
        for source in sources:
            result = read_capture(source, zone)
            self.progress.step()
            if isinstance(result, Unreadable):
                (self.warn if result.warning else self.fail)(result.message)
                continue
            archive = result.archive
            for warning in archive.warnings:
                self.warn(str(warning))
            self.tally.parsed += 1
            if json:
                self.stdout.write(dumps(archive.as_json(result.source)))
            elif not quiet:
                self.stdout.write(
                    f"{result.source}: {archive.title!r}, {len(archive.comments)} comments"
                )

    def absorb(self, report: Report) -> None:
        self.progress.step(report.files)
        for message in report.warnings:
            self.warn(message)
        for message in report.errors:
            self.fail(message)
        for outcome in report.outcomes:
            self.tally.add(outcome)

    def warn(self, message: str) -> None:
        self.tally.warnings += 1
        self.report(message)

    def fail(self, message: str) -> None:
        self.tally.failed += 1
        self.report(message)

    def report(self, message: str) -> None:
        self.progress.clear()
        self.stderr.write(message)


def _cpus() -> int:
    """The CPUs this process may use (os.process_cpu_count from Python 3.13)."""
    return getattr(os, "process_cpu_count", os.cpu_count)() or 1


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


class Tally:
    def __init__(self) -> None:
        self.parsed = self.imported = self.unchanged = self.failed = self.warnings = 0
        self.posts_created = self.posts_updated = self.comments_added = 0

    def add(self, outcome: Outcome) -> None:
        """Count a written capture (failures are counted where they are reported)."""
        if outcome.error:
            return
        if outcome.changed:
            self.imported += 1
        else:
            self.unchanged += 1
        self.posts_created += outcome.post_created
        self.posts_updated += outcome.post_updated
        self.comments_added += outcome.comments_added

    def summary(self, *, dry_run: bool) -> str:
        if dry_run:
            return (
                f"Dry run: {self.parsed} files parsed, {self.failed} failed, "
                f"{plural(self.warnings, 'warning')}; nothing written."
            )
        return (
            f"Files: {self.imported} imported, {self.unchanged} unchanged, {self.failed} failed. "
            f"Posts: {self.posts_created} created, {self.posts_updated} updated. "
            f"Comments: {self.comments_added} added. {plural(self.warnings, 'warning')}."
        )


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"
