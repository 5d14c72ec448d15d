"""Keeping the import ledger, reading it, and undoing a run.

The batches of a run record what they did to each file themselves, in their
own transactions (importers/loading.py); this module opens and closes runs,
adds the files that failed, and takes a run back.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from comments.models import Comment, Status
from importers.models import ImportedFile, ImportRun
from posts.models import Post

Outcome = ImportedFile.Outcome


def system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container, say)
        return f"uid {os.getuid()}"


def start_run(*, paths: list[str], options: dict, user: str | None = None) -> ImportRun:
    return ImportRun.objects.create(
        user=user or system_user(), host=socket.gethostname(), pid=os.getpid(),
        paths=paths, options=options,
    )  # fmt: skip


@dataclass
class Counts:
    files_created: int = 0
    files_updated: int = 0
    files_unchanged: int = 0
    files_failed: int = 0
    posts_created: int = 0
    posts_updated: int = 0
    comments_added: int = 0


def finish_run(
    run: ImportRun,
    counts: Counts,
    *,
    failures: Iterable[tuple[str, str]],
    warnings: list[str],
    stopped: bool = False,
) -> None:
    """Close a run: its counts, its failed files and its warnings."""
    ImportedFile.objects.bulk_create(
        ImportedFile(run=run, path=path, outcome=Outcome.FAILED, message=message)
        for path, message in failures
    )
    for name, value in vars(counts).items():
        setattr(run, name, value)
    run.warnings = warnings[:10_000]
    run.status = ImportRun.Status.STOPPED if stopped else ImportRun.Status.FINISHED
    run.ended_at = timezone.now()
    run.save()


def is_running(run: ImportRun) -> bool:
    """Not ended, and its process still alive (as far as this machine can tell)."""
    if run.status != ImportRun.Status.RUNNING:
        return False
    if run.host != socket.gethostname() or run.pid is None:
        return True  # another machine's: assume it is
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_line(run: ImportRun) -> str:
    """One line of `import_archive --list`."""
    when = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")
    if run.kind == ImportRun.Kind.UNDO:
        return (
            f"{run.pk:>5}  {when}  {run.user}  undo of run {run.undo_of_id}: "
            f"{run.posts_created} posts removed, {run.posts_updated} restored, "
            f"{run.comments_removed} comments removed"
        )
    marks: dict[str, str] = {
        "running": "  [running]" if is_running(run) else "  [interrupted]",
        "stopped": "  [stopped before the end]",
        "undone": f"  [undone by run {_undo_id(run)}]",
    }
    status = marks.get(run.status, "")
    return (
        f"{run.pk:>5}  {when}  {run.user}  {run.file_count} files: {run.files_created} created, "
        f"{run.files_updated} updated, {run.files_unchanged} unchanged, {run.files_failed} failed; "
        f"{run.comments_added} comments added{status}"
    )


def _undo_id(run: ImportRun) -> int | None:
    try:
        return run.undone_by.pk
    except ImportRun.DoesNotExist:
        return None


def file_line(entry: ImportedFile) -> str:
    """One file of `import_archive --show RUN`."""
    words = entry.get_outcome_display()
    if entry.outcome == Outcome.FAILED:
        return entry.message
    if entry.post_id is not None:
        words += f" (post {entry.post_id})"
    if entry.comments_added:
        words += f", {entry.comments_added} comments added"
    if entry.message:
        words += f": {entry.message}"
    return f"{entry.path}: {words}"


# Undo --------------------------------------------------------------------------


class UndoRefused(Exception):
    """An undo that cannot be done; nothing was changed."""


@transaction.atomic
def undo_run(run_id: int, *, user: str | None = None) -> ImportRun:
    """Take back what run `run_id` added, and put back the text it replaced,
    leaving what other runs added. One transaction, itself recorded as a run.

    - The run's comments that are as it imported them are removed. Those a
      moderator acted on since (held, spam, removed, deleted) stay, so that no
      later import can bring them back and undo that decision.
    - One of them that a comment written here answers stays too, as a
      tombstone: the thread keeps the reply, under a "removed" placeholder.
    - A post the run created is removed when nothing else holds it: no other
      run that is not undone imported it, and no comment is left on it.
    - A post the run updated gets back the text it had, if its text is still
      the run's capture's (a later capture's text stays).
    """
    run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise UndoRefused(f"There is no import run {run_id}.")
    if run.kind == ImportRun.Kind.UNDO:
        raise UndoRefused(f"Run {run_id} is an undo itself; import its files again instead.")
    if run.status == ImportRun.Status.UNDONE:
        raise UndoRefused(f"Run {run_id} was already undone, by run {_undo_id(run)}.")
    if is_running(run):
        raise UndoRefused(
            f"Run {run_id} is still running (process {run.pid} on {run.host}); "
            "undo it once it has finished."
        )
    undo = ImportRun.objects.create(
        kind=ImportRun.Kind.UNDO, undo_of=run, user=user or system_user(),
        host=socket.gethostname(), pid=os.getpid(), paths=run.paths,
    )  # fmt: skip
    entries = list(
        run.files.filter(outcome__in=[Outcome.CREATED, Outcome.UPDATED], post__isnull=False)
        .order_by("-pk")  # the last capture of a post first
    )  # fmt: skip
    posts = Post.objects.select_for_update().in_bulk({entry.post_id for entry in entries})
    existing = set(posts)
    record: list[ImportedFile] = []
    for entry in entries:
        post = posts.get(entry.post_id)
        if post is None:
            continue  # removed by an earlier entry of this undo
        record.append(_undo_entry(undo, run, entry, post, posts))
    for line in record:
        if line.post_id is not None and line.post_id not in posts:
            # Its post went with an earlier capture of it, taken back after this one.
            line.outcome, line.post_id = Outcome.REMOVED, None
    ImportedFile.objects.bulk_create(record)
    undo.posts_created = len(existing - set(posts))  # for an undo: posts removed
    undo.posts_updated = sum(line.outcome == Outcome.RESTORED for line in record)
    undo.status = ImportRun.Status.FINISHED
    undo.ended_at = timezone.now()
    undo.save()
    run.status = ImportRun.Status.UNDONE
    run.save(update_fields=["status"])
    return undo


def _undo_entry(undo, run, entry: ImportedFile, post: Post, posts: dict) -> ImportedFile:
    removed, kept = 0, 0
    if entry.first_number is not None:
        theirs = Comment.objects.imported().filter(
            post=post, number__gte=entry.first_number, number__lte=entry.last_number
        )
        answered = Exists(Comment.objects.filter(parent=OuterRef("pk")))
        as_imported = theirs.filter(status=Status.PUBLISHED)
        kept = as_imported.filter(answered).update(
            status=Status.DELETED, deleted_at=timezone.now(), deleted_by=f"undo of run {run.pk}"
        )
        removed, _ = as_imported.exclude(answered).delete()
        undo.comments_removed += removed
    others = (
        ImportedFile.objects.filter(post=post, outcome__in=[Outcome.CREATED, Outcome.UPDATED])
        .exclude(run=run)
        .exclude(run__status=ImportRun.Status.UNDONE)
        .exclude(run__kind=ImportRun.Kind.UNDO)
    )
    held = others.exists()
    post.capture_hashes = [digest for digest in post.capture_hashes if digest != entry.digest]
    line = ImportedFile(run=undo, path=entry.path, post_id=post.pk, digest=entry.digest,
                        message=f"{removed} comments removed")  # fmt: skip
    if kept:
        line.message += f", {kept} kept as placeholders for the replies written here"
    remaining = Comment.objects.filter(post=post).count()
    if not held and not remaining:
        line.outcome, line.post_id = Outcome.REMOVED, None
        post.delete()
        del posts[entry.post_id]
        return line
    if entry.outcome == Outcome.UPDATED and post.source_hash == entry.digest and entry.previous:
        for name, value in entry.previous.items():
            setattr(post, name, value)
        line.outcome = Outcome.RESTORED
    else:
        line.outcome = Outcome.KEPT
        reasons = ["other runs imported it"] if held else []
        if remaining:
            reasons.append(f"{remaining} comments stay on it")
        line.message += "; post kept: " + " and ".join(reasons)
    post.save(update_fields=["capture_hashes", *(entry.previous or {})])
    return line
