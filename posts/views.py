from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.generic import DayArchiveView, ListView, MonthArchiveView, YearArchiveView

from posts.models import Post
from posts.names import page_name


class PostListView(ListView):
    queryset = Post.objects.for_index()
    paginate_by = settings.POSTS_PER_PAGE
    template_name = "posts/index.html"


class _DateArchive:
    """Shared by the year, month and day pages: the posts of a period, newest
    first, and links to the nearest periods that have posts."""

    queryset = Post.objects.for_index()
    date_field = "published"
    month_format = "%m"
    paginate_by = settings.POSTS_PER_PAGE
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


class MonthArchive(_DateArchive, MonthArchiveView):
    extra_context = {"period": "month"}


class DayArchive(_DateArchive, DayArchiveView):
    extra_context = {"period": "day"}


def author(request, name=None):
    name = page_name(request, name)
    posts = Post.objects.by_author(name)
    page = Paginator(posts, settings.POSTS_PER_PAGE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("No posts under that byline.")
    return render(request, "posts/author.html", {"name": name, "page_obj": page})
