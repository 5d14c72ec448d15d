"""The import ledger: every run of `import_archive`, what it did to each file,
and what an undo needs to take it back."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ImportRun(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import"
        UNDO = "undo"

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        STOPPED = "stopped", "stopped before the end"  # the database went away, a worker died
        UNDONE = "undone"

    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.IMPORT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    user = models.CharField(max_length=150, help_text="The system user, or the admin user.")
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    paths = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=20, default="text")
    files_created = models.PositiveIntegerField(default=0)
    files_updated = models.PositiveIntegerField(default=0)
    files_unchanged = models.PositiveIntegerField(default=0)
    files_failed = models.PositiveIntegerField(default=0)
    posts_created = models.PositiveIntegerField(default=0)
    posts_updated = models.PositiveIntegerField(default=0)
    comments_added = models.PositiveIntegerField(default=0)
    comments_removed = models.PositiveIntegerField(default=0)  # by an undo
    warnings = models.JSONField(default=list, blank=True)  # "PATH:LINE: warning: …"
    undo_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by"
    )

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="import", undo_of__isnull=True)
                | Q(kind="undo", undo_of__isnull=False),
                name="import_run_undo_names_its_run",
            ),
        ]

    def __str__(self) -> str:
        what = "Import" if self.kind == self.Kind.IMPORT else "Undo"
        return f"{what} run {self.pk}"

    @property
    def file_count(self) -> int:
        return self.files_created + self.files_updated + self.files_unchanged + self.files_failed


class ImportedFile(models.Model):
    """One file of a run: what became of it, and what it wrote.

    The comments a file added are its post's numbers first_number to
    last_number: a batch holds its post's row lock while it numbers them, so
    they are consecutive, and no per-comment row is needed.
    """

    class Outcome(models.TextChoices):
        CREATED = "created", "created its post"
        UPDATED = "updated", "updated its post"
        UNCHANGED = "unchanged", "unchanged"
        FAILED = "failed", "failed"
        # For an undo's own record:
        REMOVED = "removed", "post removed"
        RESTORED = "restored", "post text put back"
        KEPT = "kept", "post kept"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    path = models.TextField()
    outcome = models.CharField(max_length=9, choices=Outcome.choices)
    message = models.TextField(blank=True, help_text="The PATH:LINE error, or what an undo did.")
    post = models.ForeignKey(
        "posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64, blank=True)  # of the capture, as in capture_hashes
    first_number = models.PositiveIntegerField(null=True, blank=True)
    last_number = models.PositiveIntegerField(null=True, blank=True)
    # The post's text before this file updated it, for an undo to put back.
    previous = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["run", "pk"]
        indexes = [
            models.Index(fields=["post", "run"], name="imported_file_post"),
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.outcome}"

    @property
    def comments_added(self) -> int:
        if self.first_number is None or self.last_number is None:
            return 0
        return self.last_number - self.first_number + 1
