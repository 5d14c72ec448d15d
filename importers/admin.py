"""The import ledger in the admin: the runs, what each did to each file, an
undo with a confirmation page, and the post and comment lists filtered by run."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from comments.admin import CommentAdmin, PostWithCommentsAdmin
from comments.models import Comment
from importers.ledger import UndoRefused, run_line, undo_run
from importers.models import ImportedFile, ImportRun
from posts.models import Post

RECENT_RUNS = 20  # offered in the run filters; any other is a ?run=N away


class ImportedFileInline(admin.TabularInline):
    model = ImportedFile
    extra = 0
    can_delete = False
    fields = ["path", "outcome", "post_link", "comments", "message"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("post").defer("post__body")

    @admin.display(description="post")
    def post_link(self, entry: ImportedFile):
        if entry.post is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">on the site</a>)',
            reverse("admin:posts_post_change", args=[entry.post_id]),
            entry.post.title,
            reverse("comments:post-page", kwargs=entry.post.url_kwargs()),
        )

    @admin.display(description="comments added")
    def comments(self, entry: ImportedFile):
        if not entry.comments_added:
            return "—"
        return format_html(
            '<a href="{}?run={}&amp;post__id__exact={}">{}</a>',
            reverse("admin:comments_comment_changelist"),
            entry.run_id,
            entry.post_id,
            entry.comments_added,
        )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read only: a run is a record. Its one action is to undo it."""

    inlines = [ImportedFileInline]
    list_display = ["__str__", "status", "started_at", "user", "file_count", "files_created",
                    "files_updated", "files_unchanged", "files_failed",
                    "comments_added"]  # fmt: skip
    list_filter = ["kind", "status"]
    actions = ["undo"]
    readonly_fields = ["kind", "status", "started_at", "ended_at", "user", "host", "pid",
                       "paths", "options", "format", "files_created", "files_updated",
                       "files_unchanged", "files_failed", "posts_created", "posts_updated",
                       "comments_added", "comments_removed", "undo_of", "warning_lines",
                       "run_posts"]  # fmt: skip
    exclude = ["warnings"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_undo_permission(self, request):
        # Undoing removes posts and comments: for those who may delete them.
        return request.user.has_perm("posts.delete_post") and request.user.has_perm(
            "comments.delete_comment"
        )

    @admin.display(description="files")
    def file_count(self, run: ImportRun) -> int:
        return run.file_count

    @admin.display(description="warnings")
    def warning_lines(self, run: ImportRun):
        return format_html_join("", "<div>{}</div>", ((line,) for line in run.warnings)) or "—"

    @admin.display(description="what it wrote")
    def run_posts(self, run: ImportRun):
        return format_html(
            '<a href="{}?run={}">its posts</a>, <a href="{}?run={}">its comments</a>',
            reverse("admin:posts_post_changelist"), run.pk,
            reverse("admin:comments_comment_changelist"), run.pk,
        )  # fmt: skip

    def get_urls(self):
        return [
            path("<int:run_id>/undo/", self.admin_site.admin_view(self.undo_view),
                 name="importers_importrun_undo"),
            *super().get_urls(),
        ]  # fmt: skip

    @admin.action(description="Undo the chosen run…", permissions=["undo"])
    def undo(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, "Choose one run to undo at a time.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:importers_importrun_undo", args=chosen))

    def undo_view(self, request, run_id: int):
        """Ask first; then undo the run in one transaction, as --undo does."""
        if not self.has_undo_permission(request):
            raise PermissionDenied
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None:
            self.message_user(request, f"There is no import run {run_id}.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:importers_importrun_changelist"))
        if request.method == "POST":
            try:
                undo = undo_run(run.pk, user=request.user.get_username())
            except UndoRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:importers_importrun_changelist"))
            self.message_user(
                request,
                f"Undid run {run.pk} as run {undo.pk}: {undo.posts_created} posts removed, "
                f"{undo.posts_updated} put back as they were, {undo.comments_removed} comments "
                "removed.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:importers_importrun_change", args=[undo.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo {run}?",
            "opts": self.opts,
            "run": run,
            "summary": run_line(run),
            "files": run.files.filter(
                outcome__in=[ImportedFile.Outcome.CREATED, ImportedFile.Outcome.UPDATED]
            ).select_related("post")[:500],
        }
        return TemplateResponse(request, "admin/importers/importrun/undo.html", context)


class RunFilter(admin.SimpleListFilter):
    title = "import run"
    parameter_name = "run"

    def lookups(self, request, model_admin):
        runs = ImportRun.objects.filter(kind=ImportRun.Kind.IMPORT)[:RECENT_RUNS]
        choices = [(str(run.pk), str(run)) for run in runs]
        value = self.value()
        if value and value not in dict(choices):
            choices.append((value, f"Import run {value}"))
        return choices

    def run_id(self) -> int | None:
        value = self.value() or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class PostRunFilter(RunFilter):
    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        touched = ImportedFile.objects.filter(run_id=self.run_id(), post=OuterRef("pk"))
        return queryset.filter(Exists(touched))


class CommentRunFilter(RunFilter):
    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        added = ImportedFile.objects.filter(
            run_id=self.run_id(), post=OuterRef("post"),
            first_number__lte=OuterRef("number"), last_number__gte=OuterRef("number"),
        )  # fmt: skip
        return queryset.imported().filter(Exists(added))


admin.site.unregister(Post)


@admin.register(Post)
class PostWithRunsAdmin(PostWithCommentsAdmin):
    """The posts admin, with the import runs that touched each post."""

    list_filter = [*PostWithCommentsAdmin.list_filter, PostRunFilter]
    readonly_fields = [*PostWithCommentsAdmin.readonly_fields, "import_runs"]

    @admin.display(description="import runs")
    def import_runs(self, post: Post):
        entries = ImportedFile.objects.filter(post=post).select_related("run").order_by("run")
        return format_html_join(
            "",
            '<div><a href="{}">{}</a>: {} ({})</div>',
            ((reverse("admin:importers_importrun_change", args=[entry.run_id]), entry.run,
              entry.get_outcome_display(), entry.path) for entry in entries),
        ) or "—"  # fmt: skip


admin.site.unregister(Comment)


@admin.register(Comment)
class CommentWithRunsAdmin(CommentAdmin):
    """The comment queue, filterable by the import run that added a comment."""

    list_filter = [*CommentAdmin.list_filter, CommentRunFilter]
