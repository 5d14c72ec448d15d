from django.contrib import admin

from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Posts as the posts app knows them; comments/admin.py adds their comments."""

    list_display = ["title", "author", "published"]
    search_fields = ["title", "author"]
    date_hierarchy = "published"
    show_full_result_count = False
    readonly_fields = ["source_name", "source_hash", "created_at", "updated_at", "body_format",
                       "source_url", "export_format", "export_name", "exported_at"]  # fmt: skip

    def save_model(self, request, obj, form, change):
        if change and "body" in form.changed_data:
            # An export's HTML gives way to the text the editor wrote.
            obj.body_format, obj.body_html = Post.BodyFormat.TEXT, ""
        super().save_model(request, obj, form, change)
