from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from comments.models import BlockedTerm, Comment, CommentRevision, PurgedComment, Status
from comments.services import comments_delete
from posts.admin import PostAdmin
from posts.models import Post


def _status_count(status: str):
    counts = (
        Comment.objects.filter(post=OuterRef("pk"), status=status)
        .order_by()
        .values("post")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _count_column(status: str):
    def count(self, post: Post) -> int:
        return getattr(post, f"{status}_count")

    return admin.display(description=status, ordering=f"{status}_count")(count)


admin.site.unregister(Post)


@admin.register(Post)
class PostWithCommentsAdmin(PostAdmin):
    """The posts app's admin of posts, with how many comments each has in each
    status, linked to the comment list."""

    list_display = [*PostAdmin.list_display, *(f"{s}_count" for s in Status.values)]
    readonly_fields = [*PostAdmin.readonly_fields[:2], "comment_counts",
                       *PostAdmin.readonly_fields[2:]]  # fmt: skip

    def get_queryset(self, request):
        counts = {f"{status}_count": _status_count(status) for status in Status.values}
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description="comments")
    def comment_counts(self, post: Post) -> str:
        counts = [
            format_html(
                '<a href="{}?post__id__exact={}&amp;status__exact={}">{} {}</a>',
                reverse("admin:comments_comment_changelist"),
                post.pk,
                status,
                getattr(post, f"{status}_count"),
                status,
            )  # fmt: skip
            for status in Status.values
        ]
        return format_html(", ".join(["{}"] * len(counts)), *counts)


for _status in Status.values:
    setattr(PostWithCommentsAdmin, f"{_status}_count", _count_column(_status))


class OriginFilter(admin.SimpleListFilter):
    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("imported", "Imported from an archive"), ("site", "Written on the site")]

    def queryset(self, request, queryset):
        if self.value() == "imported":
            return queryset.imported()
        if self.value() == "site":
            return queryset.written_here()
        return queryset


class RevisionInline(admin.TabularInline):
    """The text each of its author's edits replaced, newest first, beside the current."""

    model = CommentRevision
    extra = 0
    can_delete = False
    fields = ["replaced_at", "status", "body"]
    readonly_fields = fields
    verbose_name_plural = "earlier texts (replaced by its author's edits)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    inlines = [RevisionInline]
    list_display = ["excerpt", "author_name", "post", "posted", "status", "origin", "on_site"]
    list_filter = ["status", OriginFilter, "posted"]
    search_fields = ["author_name", "email", "body"]
    date_hierarchy = "posted"
    list_select_related = ["post"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over the whole archive on every page
    raw_id_fields = ["post", "parent"]
    readonly_fields = [
        "posted_text", "source_file", "source_line", "ip_address", "edited_at", "created_at",
        "deleted_at", "deleted_by",
    ]  # fmt: skip
    actions = ["approve", "mark_spam", "remove", "restore"]

    # Deleting here never erases: the comment becomes a tombstone (status
    # "deleted", who and when) that the status filter lists, that its thread
    # shows as removed if it has replies, and that a re-import of its capture
    # respects. `manage.py purge_comments` removes rows, keeping a record.
    def delete_model(self, request, obj):
        comments_delete(Comment.objects.filter(pk=obj.pk), by=request.user.get_username())

    def delete_queryset(self, request, queryset):
        comments_delete(queryset, by=request.user.get_username())

    def get_deleted_objects(self, objs, request):
        # Nothing goes with a comment marked deleted: its replies stay where they are.
        return [str(obj) for obj in objs], {"comments": len(objs)}, set(), []

    def lookup_allowed(self, lookup, value, request=None):
        # The post page's links to "this post's comments with this status".
        return lookup == "post__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body.replace("\n", " ")).chars(80) or "(no text)"

    @admin.display(description="origin", ordering="fingerprint")
    def origin(self, comment: Comment) -> str:
        return "imported" if comment.is_imported else "site"

    @admin.display(description="on the site")
    def on_site(self, comment: Comment) -> str:
        return format_html('<a href="{}">view</a>', comment.get_absolute_url())

    def _moderate(self, request, queryset, status: str, verb: str, *, only=None) -> None:
        """Set the status of the chosen comments that need it, and log each one."""
        queryset = queryset.exclude(status=status)
        if only is not None:
            queryset = queryset.filter(only)
        changed = list(queryset.select_related("post"))
        Comment.objects.filter(pk__in=[c.pk for c in changed]).update(status=status)
        for comment in changed:
            self.log_change(request, comment, f"{verb} (was {comment.status}).")
        count = len(changed)
        self.message_user(
            request,
            f"{verb} {count} comment{'s' if count != 1 else ''}.",
            messages.SUCCESS if count else messages.INFO,
        )

    @admin.action(description="Approve: publish the chosen pending or spam comments")
    def approve(self, request, queryset):
        self._moderate(
            request, queryset, Status.PUBLISHED, "Approved",
            only=Q(status__in=[Status.PENDING, Status.SPAM]),
        )  # fmt: skip

    @admin.action(description="Mark the chosen comments as spam")
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Status.SPAM, "Marked as spam")

    @admin.action(description="Remove the chosen comments from the site")
    def remove(self, request, queryset):
        self._moderate(request, queryset, Status.REMOVED, "Removed")

    @admin.action(description="Restore: publish the chosen removed comments again")
    def restore(self, request, queryset):
        self._moderate(
            request, queryset, Status.PUBLISHED, "Restored", only=Q(status=Status.REMOVED)
        )


@admin.register(PurgedComment)
class PurgedCommentAdmin(admin.ModelAdmin):
    """Comments whose rows were purged: read only, kept so a re-import knows them."""

    list_display = ["author_name", "post", "posted", "deleted_by", "deleted_at", "purged_at"]
    search_fields = ["author_name", "body"]
    list_select_related = ["post"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "note", "created_at"]
    search_fields = ["term", "note"]
