from django.contrib import admin

from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "published", "source_name"]
    search_fields = ["title", "author"]
    date_hierarchy = "published"
    readonly_fields = ["source_name", "source_hash", "created_at", "updated_at"]
