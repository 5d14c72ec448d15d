import contextlib
import json
import os
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, OperationalError, connection

from importers import bulk
from importers.ledger import (
    Counts,
    UndoRefused,
    file_line,
    finish_run,
    is_running,
    run_line,
    start_run,
    undo_run,
)
from importers.loading import DatabaseUnreachable, Outcome, first_line
from importers.models import ImportRun
from importers.progress import Progress
from importers.reading import OfFormat, Unreadable, format_of, read_capture
from importers.running import (
    ExportReport,
    Report,
    WorkerFailed,
    import_export,
    read_export,
    run_import,
    usable_jobs,
)
from importers.sources import Sources


class Command(BaseCommand):
    help = (
        "Import archived captures of blog post pages, and WordPress (WXR) and Disqus exports "
        "(files, or folders read recursively for *.txt and *.xml; each file's format is told "
        "from its content). Re-running is safe: nothing is duplicated and no moderation is "
        "undone."
    )

    def get_check_kwargs(self, options):
        # Checks that ask the database server (generated columns do) are
        # migrate's business; a dry run must work with no database at all.
        return {**super().get_check_kwargs(options), "databases": []}

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH")
        ledger = parser.add_argument_group("the import ledger")
        ledger.add_argument(
            "--list", action="store_true", help="List the runs, newest first, and stop."
        )
        ledger.add_argument(
            "--show", type=int, metavar="RUN", help="Show what run RUN did to each file."
        )
        ledger.add_argument(
            "--undo",
            type=int,
            metavar="RUN",
            help="Take back what run RUN added and put back the text it replaced.",
        )
        ledger.add_argument("--yes", action="store_true", help="With --undo: do not ask first.")
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
        exports = parser.add_argument_group("sites' exports")
        exports.add_argument(
            "--format",
            choices=["capture", "wordpress", "disqus"],
            default="",
            help="Read every file as this format, rather than telling each from its content.",
        )
        exports.add_argument(
            "--pages", action="store_true", help="Import a WordPress export's pages too."
        )
        exports.add_argument(
            "--no-pings",
            action="store_true",
            help="Leave out pingbacks and trackbacks (otherwise listed under their post).",
        )
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
        parser.add_argument(
            "--no-bulk",
            action="store_true",
            help=f"Into an empty archive, {bulk.BULK_FILES:,} captures or more are loaded in bulk, "
            "the search and page indexes built once at the end: this keeps them up to date "
            "row by row instead.",
        )

    def handle(self, *, paths, dry_run, json, timezone, quiet, batch_size, jobs, **options):
        self.exports_options = {"pages": options["pages"], "pings": not options["no_pings"]}
        ledger_commands = [
            name for name in ("list", "show", "undo") if options[name] not in (None, False)
        ]
        if len(ledger_commands) > 1 or (ledger_commands and paths):
            raise CommandError("--list, --show and --undo go alone, without paths.")
        if ledger_commands:
            try:
                return self.ledger(ledger_commands[0], options)
            except BrokenPipeError:  # `--list | head`: the reader has seen enough
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return None
        zone = _checked(paths, dry_run=dry_run, json=json, batch_size=batch_size, jobs=jobs,
                        timezone=timezone)  # fmt: skip
        self.tally = Tally()
        self.run: ImportRun | None = None
        sources, exports = _by_format(paths, options["format"])
        total = len(sources) + len(exports)
        show_progress = not (quiet or json) and self.stderr.isatty() and total > 1
        self.progress = Progress(self.stderr, total=total, enabled=show_progress)
        if dry_run:
            self.dry_run(sources, zone, json=json, quiet=quiet)
            for source, kind in exports:
                self.dry_run_export(source, kind, zone, json=json, quiet=quiet)
        else:
            self.write(sources, paths, zone=zone, batch_size=batch_size, jobs=jobs,
                       verbosity=options["verbosity"], exports=exports, quiet=quiet,
                       use_bulk=not options["no_bulk"])  # fmt: skip
        self.progress.done()

        if not (quiet or json):
            summary = self.tally.summary(dry_run=dry_run)
            if self.run is not None:
                summary += f" Recorded as run {self.run.pk} (import_archive --show {self.run.pk})."
            self.stdout.write(summary)
        if self.tally.failed:
            raise CommandError(
                f"{self.tally.failed} of {total} files failed; see the errors above."
            )

    def write(self, sources, paths, *, zone, batch_size: int, jobs: int, verbosity: int,
              exports=(), quiet: bool = False, use_bulk: bool = True) -> None:  # fmt: skip
        """Import for real, recording the run in the ledger."""
        jobs = usable_jobs(jobs, len(sources), batch_size)
        if verbosity >= 2:
            self.stdout.write(f"Writing {len(sources)} files with {plural(jobs, 'process')}.")
        try:
            connection.ensure_connection()
            # An earlier first load stopped halfway left page indexes out.
            if restored := bulk.restore():
                self.stdout.write("Built again what an import stopped halfway had left "
                                  f"out: {', '.join(restored)}.")  # fmt: skip
            in_bulk = use_bulk and bulk.applies(len(sources))
            options = {"timezone": zone.key, "batch_size": batch_size, "jobs": jobs,
                       "bulk": in_bulk}  # fmt: skip
            self.run = start_run(paths=[os.path.abspath(p) for p in paths], options=options)
            if len(sources):
                with bulk.bulk_load() if in_bulk else contextlib.nullcontext():
                    for report in run_import(
                        sources, zone=zone, batch_size=batch_size, jobs=jobs, run_id=self.run.pk
                    ):
                        self.absorb(report)
                    if in_bulk and not quiet:
                        with self.progress.aside():
                            self.stdout.write(
                                "A first load into an empty archive: building the search and "
                                "page indexes over everything written."
                            )
            for source, kind in exports:
                self.absorb_export(
                    import_export(source, kind, zone, run_id=self.run.pk, **self.exports_options),
                    quiet=quiet,
                )
        except WorkerFailed as error:
            self.close_run(stopped=True)
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            self.progress.done()
            self.close_run(stopped=True)  # what it wrote is in the ledger, and can be undone
            raise
        except (DatabaseUnreachable, OperationalError) as error:
            self.progress.done()
            self.close_run(stopped=True)
            reason = error if isinstance(error, DatabaseUnreachable) else first_line(error)
            raise CommandError(
                f"cannot reach the database ({reason}); nothing more was imported. "
                "Re-running the import later is safe."
            ) from None
        self.close_run()

    def ledger(self, command: str, options) -> None:
        try:
            connection.ensure_connection()
        except OperationalError as error:
            raise CommandError(f"cannot reach the database ({first_line(error)}).") from None
        if command == "list":
            runs = ImportRun.objects.select_related("undone_by")
            if not runs.exists():
                self.stdout.write("No imports yet.")
            for listed in runs.iterator():
                self.stdout.write(run_line(listed))
            return
        run_id = options[command]
        run = ImportRun.objects.filter(pk=run_id).select_related("undone_by").first()
        if run is None:
            raise CommandError(f"There is no import run {run_id}; --list shows them.")
        if command == "show":
            self.show(run)
            return
        if not options["yes"]:
            if not _stdin_is_a_terminal():
                raise CommandError("An undo removes what the run added: confirm with --yes.")
            self.stdout.write(run_line(run))
            answer = input(
                f"Take back what run {run.pk} added and put back what it replaced? [y/N] "
            )
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing was undone.")
        try:
            undo = undo_run(run.pk)
        except UndoRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"Undid run {run.pk} as run {undo.pk}: {undo.posts_created} posts removed, "
            f"{undo.posts_updated} put back as they were, {undo.comments_removed} comments "
            f"removed (import_archive --show {undo.pk})."
        )

    def show(self, run: ImportRun) -> None:
        self.stdout.write(run_line(run))
        ended = run.ended_at.isoformat(timespec="seconds") if run.ended_at else "not ended"
        self.stdout.write(f"Started {run.started_at.isoformat(timespec='seconds')}, {ended}, "
                          f"on {run.host or 'an unknown host'}.")  # fmt: skip
        if run.kind == ImportRun.Kind.IMPORT:
            self.stdout.write(f"Paths: {' '.join(run.paths)}")
            self.stdout.write(
                "Options: " + ", ".join(f"{key} {value}" for key, value in run.options.items())
            )
        if run.status == ImportRun.Status.RUNNING and not is_running(run):
            self.stdout.write("It was interrupted: the files below are those it wrote.")
        # Each file's warnings under it ("PATH:LINE: warning: …"); any other after.
        warnings: dict[str, list[str]] = {}
        for warning in run.warnings:
            warnings.setdefault(warning.split(":", 1)[0], []).append(warning)
        for entry in run.files.order_by("pk").iterator():
            self.stdout.write(file_line(entry))
            for warning in warnings.pop(entry.path, []):
                self.stdout.write(f"  {warning}")
        for rest in warnings.values():
            for warning in rest:
                self.stdout.write(warning)

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
                with self.progress.aside():  # the file's line above the bar, never through it
                    self.stdout.write(
                        f"{result.source}: {archive.title!r}, {len(archive.comments)} comments"
                    )

    def dry_run_export(self, source, kind: str, zone, *, json: bool, quiet: bool) -> None:
        """An export's posts, once the whole file is known to be good (a file
        with an error prints nothing): read twice, never held."""
        counts = {"posts": 0, "comments": 0}

        def count(post) -> None:
            counts["posts"] += 1
            counts["comments"] += len(post.comments)

        report = read_export(source, kind, zone, each=count, **self.exports_options)
        self.progress.step()
        if report.error is not None:
            self.fail(report.error.message, path=source.name)
            return
        for warning in report.warnings:
            self.warn(warning)
        self.tally.parsed += 1
        if json:
            read_export(source, kind, zone, each=lambda post: self.stdout.write(
                dumps(post.as_json())), **self.exports_options)  # fmt: skip
        elif not quiet:
            with self.progress.aside():
                self.stdout.write(
                    f"{source.name}: {_FORMATS[kind]}, {counts['posts']} posts, "
                    f"{counts['comments']} comments"
                    + (f"; left out: {report.skipped}" if report.skipped else "")
                )

    def absorb_export(self, report: ExportReport, *, quiet: bool) -> None:
        self.progress.step(1, sum(o.comments_added for o in report.outcomes))
        if report.error is not None:
            self.fail(report.error.message, path=report.source)
            return
        for message in report.warnings:
            self.warn(message)
        self.tally.add_export(report.outcomes)
        if not quiet:
            created = sum(o.post_created for o in report.outcomes)
            posts = len({o.post_id for o in report.outcomes})
            what = (f"{posts} threads ({created} made into posts of their own)"
                    if report.kind == "disqus" else f"{posts} posts ({created} new)")  # fmt: skip
            with self.progress.aside():
                self.stdout.write(
                    f"{report.source}: {what}, "
                    f"{sum(o.comments_added for o in report.outcomes)} comments added"
                    + (f"; left out: {report.skipped}" if report.skipped else "")
                )

    def absorb(self, report: Report) -> None:
        self.progress.step(report.files, sum(o.comments_added for o in report.outcomes))
        for message in report.warnings:
            self.warn(message)
        for failure in report.errors:
            self.fail(failure.message, path=failure.path)
        for outcome in report.outcomes:
            self.tally.add(outcome)

    def close_run(self, *, stopped: bool = False) -> None:
        """Close the run's record; if the database is gone, the run stays
        open, and --list shows it as interrupted."""
        if self.run is None:
            return
        tally = self.tally
        counts = Counts(
            files_created=tally.files_created, files_updated=tally.imported - tally.files_created,
            files_unchanged=tally.unchanged, files_failed=tally.failed,
            posts_created=tally.posts_created, posts_updated=tally.posts_updated,
            comments_added=tally.comments_added,
        )  # fmt: skip
        with contextlib.suppress(DatabaseError):
            finish_run(self.run, counts, failures=tally.failures, warnings=tally.warning_lines,
                       stopped=stopped)  # fmt: skip

    def warn(self, message: str) -> None:
        self.tally.warnings += 1
        self.tally.warning_lines.append(message)
        self.report(message)

    def fail(self, message: str, path: str = "") -> None:
        self.tally.failed += 1
        self.tally.failures.append((path, message))
        self.report(message)

    def report(self, message: str) -> None:
        with self.progress.aside():
            self.stderr.write(message)


_FORMATS = {"wordpress": "a WordPress export", "disqus": "a Disqus export"}


def _checked(paths, *, dry_run, json, batch_size, jobs, timezone) -> ZoneInfo:
    """The import's zone, once its arguments make sense together."""
    if not paths:
        raise CommandError(
            "Name the captures or exports to import: files, or folders of *.txt and *.xml files."
        )
    if json and not dry_run:
        raise CommandError("--json goes with --dry-run.")
    if batch_size < 1 or jobs < 1:
        raise CommandError("--batch-size and --jobs must be at least 1.")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"--timezone {timezone!r} is not an IANA time zone name.") from None


def _by_format(paths, forced: str) -> tuple[OfFormat, list]:
    """The captures (walked again when read), and the exports with their
    format: one walk tells them apart, and counts the captures."""
    exports, count = [], 0
    for source in Sources(paths):
        kind = format_of(source, forced)
        if kind == "capture":
            count += 1
        else:
            exports.append((source, kind))
    # A site's posts before its comments: Disqus threads find the posts a
    # WordPress export brought by their address.
    exports.sort(key=lambda pair: pair[1] != "wordpress")
    return OfFormat(Sources(paths), "capture", forced, count), exports


def _stdin_is_a_terminal() -> bool:
    return sys.stdin.isatty()


def _cpus() -> int:
    """The CPUs this process may use (os.process_cpu_count from Python 3.13)."""
    return getattr(os, "process_cpu_count", os.cpu_count)() or 1


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


class Tally:
    def __init__(self) -> None:
        self.parsed = self.imported = self.unchanged = self.failed = self.warnings = 0
        self.posts_created = self.posts_updated = self.comments_added = 0
        self.files_created = 0  # files that created a post
        self.failures: list[tuple[str, str]] = []  # (path, "PATH:LINE: what is wrong")
        self.warning_lines: list[str] = []

    def add(self, outcome: Outcome) -> None:
        """Count a written capture (failures are counted where they are reported)."""
        if outcome.error:
            return
        if outcome.changed:
            self.imported += 1
        else:
            self.unchanged += 1
        self.posts_created += outcome.post_created
        self.files_created += outcome.post_created
        self.posts_updated += outcome.post_updated
        self.comments_added += outcome.comments_added

    def add_export(self, outcomes: list[Outcome]) -> None:
        """Count a written export: one file, however many posts."""
        if any(outcome.changed for outcome in outcomes):
            self.imported += 1
        else:
            self.unchanged += 1
        self.files_created += any(outcome.post_created for outcome in outcomes)
        self.posts_created += sum(outcome.post_created for outcome in outcomes)
        self.posts_updated += sum(outcome.post_updated for outcome in outcomes)
        self.comments_added += sum(outcome.comments_added for outcome in outcomes)

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
