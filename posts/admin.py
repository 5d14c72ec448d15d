from django.contrib import admin

from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Posts as the posts app knows them; comments/admin.py adds their comments."""

    list_display = ["title", "author", "published"]
    search_fields = ["title", "author"]
    date_hierarchy = "published"
    show_full_result_count = False
    readonly_fields = ["source_name", "source_hash", "created_at", "updated_at"]
