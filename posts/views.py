import datetime
from functools import cached_property

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.generic import DayArchiveView, ListView, MonthArchiveView, YearArchiveView

from posts.conditional import by_stamp, respond
from posts.counts import archive_months, posts_stamp
from posts.models import Post, PostMonth
from posts.names import author_url, name_index, page_name
from posts.paging import MonthPaginator, month_start


class LastPageMixin:
    """A page number past the end leads to the last page rather than a 404
    (a list shrinks when posts are undone or its period is re-cut)."""

    def get_paginate_by(self, queryset):
        return settings.POSTS_PER_PAGE  # read per request, as a setting should be

    def paginate_queryset(self, queryset, page_size):
        # Django's, but past the end is not a 404; one COUNT either way.
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )  # fmt: skip
        value = self.request.GET.get("page", "1")
        if not (value.isascii() and value.isdigit()):
            raise Http404("No such page.")
        number = int(value)
        if number > max(paginator.num_pages, 1):
            raise _PastTheEnd(paginator.num_pages)
        try:
            page = paginator.page(number)
        except InvalidPage:
            raise Http404("No such page.") from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except _PastTheEnd as end:
            query = request.GET.copy()
            query["page"] = str(end.last)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


class _PastTheEnd(Exception):
    def __init__(self, last: int) -> None:
        self.last = last


class TaggedByPosts:
    """For pages that show posts and nothing else of the database: tagged,
    before anything is read, by the posts' stamp (posts_stamp) and the
    page's address, so that a conditional request reads one row. The stamp
    is kept for the page's month totals."""

    def get(self, request, *args, **kwargs):
        self.stamp = posts_stamp()
        full = super().get
        return by_stamp(request, self.stamp, lambda: full(request, *args, **kwargs))


class PostListView(TaggedByPosts, LastPageMixin, ListView):
    """The newest posts, and the archive's summary on the first page: posts
    and nothing else of the database (a post's comment count is the post's),
    so tagged by the posts' stamp (TaggedByPosts), under which the month
    totals are kept too."""

    queryset = Post.objects.for_index()
    template_name = "posts/index.html"

    @cached_property
    def months(self):
        # The pages and the introduction's summary, from one read of the months.
        return archive_months(self.stamp)

    def get_paginator(self, queryset, per_page, **kwargs):
        return MonthPaginator(queryset, per_page, self.months.posts())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number == 1:
            summary = self.months.summary()
            context["summary"] = summary if summary["posts"] else None
        return context


def archive_index(request):
    """Every year and month with its number of posts."""
    months = archive_months()
    return respond(  # tagged by the months' digest: hundreds of them in a long archive
        request, months.digest,
        lambda: render(request, "posts/archive_index.html", {"months": months}),
    )  # fmt: skip


def authors_index(request):
    """Every byline A to Z, with a filter box."""
    return by_stamp(request, posts_stamp(), lambda: _authors_index(request))


def _authors_index(request):
    form, page = name_index(request, Post.objects.authors, field="author", url_of=author_url)
    return render(request, "posts/authors.html", {"page_obj": page, "form": form})


class _DateArchive(TaggedByPosts, LastPageMixin):
    """Shared by the year, month and day pages: the posts of a period, newest
    first, and links to the nearest periods that have posts."""

    queryset = Post.objects.for_index()
    # Django's date views order by the date alone, which leaves posts of the
    # same minute in any order, and so on two pages or none.
    ordering = ["-published", "-pk"]
    date_field = "published"
    month_format = "%m"
    template_name = "posts/archive.html"
    allow_empty = False  # an empty period is a 404, and the neighbours skip them
    allow_future = True  # an archive has no scheduled posts: its dates are what they are

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except OverflowError:  # the day after 9999-12-31, which a period's bounds need
            raise Http404("No such date.") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["period_start"] = context.get("day") or context.get("month") or context["year"]
        return context


class YearArchive(_DateArchive, YearArchiveView):
    make_object_list = True
    extra_context = {"period": "year"}

    @cached_property
    def months(self) -> list[tuple[datetime.date, int]]:
        return archive_months(self.stamp).posts(year=int(self.get_year()))

    def get_date_list(self, queryset, date_type=None, ordering="ASC"):
        # The year's months with posts, from their counts rather than its posts.
        if not self.months:
            raise Http404("No posts that year.")
        months = self.months if ordering == "DESC" else reversed(self.months)
        return [month_start(month) for month, _ in months]

    def get_paginator(self, queryset, per_page, **kwargs):
        return MonthPaginator(queryset, per_page, self.months)


class MonthArchive(_DateArchive, MonthArchiveView):
    extra_context = {"period": "month"}


class DayArchive(_DateArchive, DayArchiveView):
    extra_context = {"period": "day"}


def author(request, name=None):
    if name is None and "name" not in request.GET:
        return authors_index(request)
    return by_stamp(request, posts_stamp(), lambda: _author(request, page_name(request, name)))


def _author(request, name: str):
    posts = Post.objects.by_author(name)
    months = PostMonth.objects.filter(author=name).months()
    page = MonthPaginator(posts, settings.POSTS_PER_PAGE, months).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("No posts under that byline.")
    return render(request, "posts/author.html", {"name": name, "page_obj": page})
