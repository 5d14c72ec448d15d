"""The sitemap: an index of sections, one per month with posts (cut in the
site's time zone), so that a section costs what its month holds however
large the archive grows, and the index is read from the months' counts.
Both are written by Jinja2 templates: Django's sitemap template spent
0.15 ms on each of a month's hundreds of URLs."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator, Mapping

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import x_robots_tag
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections, router
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from posts.conditional import release
from posts.counts import CACHE_SECONDS, Months, archive_months
from posts.models import Post
from posts.paging import month_end, month_start

_MONTH_SECTION = re.compile(r"posts-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")


_MONTH_STAMP = """
SELECT count(*), md5(string_agg(id || ':' || updated_at, ',' ORDER BY published, id))
FROM posts_post WHERE published >= %s AND published < %s"""


class MonthSitemap(Sitemap):
    limit = 50_000  # the protocol's limit: one page per month in any real archive

    def __init__(self, month: datetime.date) -> None:
        self.month = month

    def items(self):
        return (
            Post.objects.filter(
                published__gte=month_start(self.month), published__lt=month_end(self.month)
            )
            .only("slug", "published", "updated_at")
            .order_by("published", "pk")
        )

    def lastmod(self, post: Post):
        return post.updated_at

    def stamp(self) -> tuple:
        """What the section shows (each post's address and last change, which
        every writer of a post sets), in one aggregate over the month's posts."""
        with connections[router.db_for_read(Post)].cursor() as cursor:
            cursor.execute(_MONTH_STAMP, [month_start(self.month), month_end(self.month)])
            return cursor.fetchone()

    @property
    def paginator(self) -> Paginator:
        # A month without posts has no page 1: the section is a 404.
        return Paginator(self._items(), self.limit, allow_empty_first_page=False)


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["posts:index"]

    def location(self, name: str) -> str:
        return reverse(name)


def _section(month: datetime.date) -> str:
    # Not strftime: at 7 µs a call, it was a third of the index's time.
    return f"posts-{month.year:04d}-{month.month:02d}"


class Sections(Mapping):
    """{section: sitemap}: "pages", and "posts-YYYY-MM" for every month with posts."""

    def __getitem__(self, section: str) -> Sitemap:
        if section == "pages":
            return PageSitemap()
        found = _MONTH_SECTION.fullmatch(section)
        if found is None:
            raise KeyError(section)
        try:
            month = datetime.date(int(found["year"]), int(found["month"]), 1)
        except ValueError:
            raise KeyError(section) from None
        return MonthSitemap(month)

    def __contains__(self, section: object) -> bool:
        try:
            self[section]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return _sections(archive_months())

    def __len__(self) -> int:
        return 1 + len(archive_months().rows)

    # One mapping, equal to itself only: reverse() compares a URL's default
    # arguments, and Mapping's equality would read every section to do it.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


SITEMAPS = Sections()


def _sections(months: Months) -> Iterator[str]:
    yield "pages"
    for total in reversed(months.totals):
        yield _section(total.month)


@x_robots_tag
def index(request):
    """Every section's URL, from the months' counts (no section is read).
    An archive of twenty years has hundreds of sections: the index is kept
    in the cache under the months' digest, and written again when they change."""
    site = get_current_site(request)
    pattern = reverse("sitemap-section", kwargs={"section": "SECTION"})
    root = f"{request.scheme}://{site.domain}{pattern}"
    months = archive_months()
    where = hashlib.blake2b(root.encode(), digest_size=8).hexdigest()
    key = f"sitemap-index:{release()}:{where}:{months.digest}"
    body = cache.get(key)
    if body is None:
        locations = [root.replace("SECTION", section) for section in _sections(months)]
        context = {"locations": locations}
        body = render_to_string("posts/sitemap_index.jinja", context, using="jinja2")
        cache.set(key, body, CACHE_SECONDS)
    return HttpResponse(body, content_type="application/xml")


def section_state(request, section: str) -> tuple | str:
    """What a section is tagged by (tagged_by_state): a month's posts' stamp;
    for any other section, its name (its page is the same until a release)."""
    sitemap = SITEMAPS.get(section)
    return sitemap.stamp() if isinstance(sitemap, MonthSitemap) else section


@x_robots_tag
def section(request, section: str):
    """One section's URLs, as Django's sitemap view lists them (its
    Sitemap.get_urls, a `?p=` page, Last-Modified from the newest lastmod)."""
    try:
        sitemap = SITEMAPS[section]
    except KeyError:
        raise Http404(f"No sitemap available for section: {section!r}") from None
    page = request.GET.get("p", 1)
    try:
        urls = sitemap.get_urls(page=page, site=get_current_site(request), protocol=request.scheme)
    except EmptyPage:
        raise Http404(f"Page {page} empty") from None
    except PageNotAnInteger:
        raise Http404(f"No page {page!r}") from None
    entries = [
        (url["location"], timezone.localdate(url["lastmod"]).isoformat() if url["lastmod"] else "",
         url["changefreq"] or "", url["priority"] or "")
        for url in urls
    ]  # fmt: skip
    latest = getattr(sitemap, "latest_lastmod", None)
    return TemplateResponse(
        request,
        "posts/sitemap_section.jinja",
        {"entries": entries},
        content_type="application/xml",
        headers={"Last-Modified": http_date(latest.timestamp())} if latest else None,
        using="jinja2",
    )
