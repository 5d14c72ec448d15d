"""Chores of the background tasks' queue (django-tasks-db's table)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

# No task here runs for more than a few seconds; one still "running" after an
# hour belongs to a worker that was killed.
ABANDONED_AFTER = timedelta(hours=1)
KEEP_FINISHED = timedelta(days=14)
WORKER_LOST = "The worker running this task stopped before it finished."


def queued_in_database() -> bool:
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def close_abandoned(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Mark as failed the tasks a killed worker left running, so that they
    read as what they are and are pruned in turn. (Their work is not lost:
    what a delivery left unsent is queued again by requeue_stalled.)"""
    now = timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - older_than
    ).update(
        status=TaskResultStatus.FAILED, finished_at=now,
        exception_class_path="comments.queue.WorkerLost", traceback=WORKER_LOST,
    )  # fmt: skip


def prune_finished(*, older_than: timedelta = KEEP_FINISHED) -> int:
    """Forget what finished over two weeks ago: the table stays small."""
    deleted, _ = (
        DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - older_than).delete()
    )
    return deleted
