from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from comments.models import Status
from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "published", *(f"{s}_count" for s in Status.values)]
    search_fields = ["title", "author"]
    date_hierarchy = "published"
    show_full_result_count = False
    readonly_fields = ["source_name", "source_hash", "comment_counts", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_comment_counts_by_status()

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


def _count_column(status: str):
    def count(self, post: Post) -> int:
        return getattr(post, f"{status}_count")

    return admin.display(description=status, ordering=f"{status}_count")(count)


for _status in Status.values:
    setattr(PostAdmin, f"{_status}_count", _count_column(_status))
