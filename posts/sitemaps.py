from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from posts.models import Post


class PostSitemap(Sitemap):
    limit = 5000  # per sitemap page; the index lists the pages

    def items(self):
        return Post.objects.only("slug", "published", "updated_at").order_by("published", "pk")

    def lastmod(self, post: Post):
        return post.updated_at


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["posts:index"]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {"posts": PostSitemap, "pages": PageSitemap}
