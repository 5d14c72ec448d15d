from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from posts import sitemaps
from posts.conditional import tagged_by_content, tagged_by_state

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("sitemap.xml", tagged_by_content(sitemaps.index), name="sitemap"),
    path(
        "sitemap-<section>.xml",
        tagged_by_state(sitemaps.section_state)(sitemaps.section),
        name="sitemap-section",
    ),  # fmt: skip
    path("", include("comments.urls")),
    path("", include("posts.urls")),
]
