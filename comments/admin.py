from django.contrib import admin

from comments.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "post", "posted", "status"]
    list_filter = ["status"]
    search_fields = ["author_name", "email", "body"]
    date_hierarchy = "posted"
    list_select_related = ["post"]
    raw_id_fields = ["post", "parent"]
    readonly_fields = ["source_file", "source_line", "created_at"]
