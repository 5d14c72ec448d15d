from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from posts import sitemaps
from posts.conditional import tagged_by_content
from posts.sitemaps import SITEMAPS

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
        tagged_by_content(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("", include("comments.urls")),
    path("", include("posts.urls")),
]
