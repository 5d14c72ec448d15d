import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import DayArchiveView, ListView, MonthArchiveView, YearArchiveView

from comments.models import Comment
from comments.quotes import thread_quotes
from comments.rendering import ThreadContext
from comments.threads import ThreadPages, visible_thread
from comments.views import comment_form, own_comment_ids
from posts.forms import SearchForm
from posts.models import Post
from posts.search import search


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


def post_detail(request, year, month, day, slug):
    try:
        day = datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Http404("No such date.") from None
    post = get_object_or_404(Post, slug=slug)
    if timezone.localtime(post.published).date() != day:
        raise Http404("No post by that name on that day.")
    number = _page_number(request)
    entries = visible_thread(Comment.objects.thread(post), own=own_comment_ids(request))
    pages = ThreadPages.split(entries, settings.COMMENTS_PER_PAGE)
    if number > pages.count:
        raise Http404("The thread has no such page.")
    shown = pages.page(number)
    comments = [entry.comment for entry in entries if not entry.placeholder]
    before = sum(not entry.placeholder for entry in entries[: pages.bounds[number - 1][0]])
    on_page = sum(not entry.placeholder for entry in shown)
    previous_post, next_post = Post.objects.neighbours(post)
    context = {
        "post": post,
        "comments": shown,
        "thread": ThreadContext(
            post_zone=post.zone,
            quotes=thread_quotes(post.body, comments),
            pages=pages.page_numbers() if pages.count > 1 else {},
            page=number,
            imported_post=post.is_imported,
        ),
        "comment_count": len(comments),
        "imported_count": (imported := sum(comment.is_imported for comment in comments)),
        "live_count": len(comments) - imported,
        "thread_page": {
            "number": number,
            "count": pages.count,
            "first": before + 1,
            "last": before + on_page,
            "numbers": range(1, pages.count + 1),
        },
        "previous_post": previous_post,
        "next_post": next_post,
        "form": comment_form(request, post),
    }
    return render(request, "posts/detail.html", context)


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise Http404("No such page.")
    return int(value)


def author(request, name=None):
    name = name or request.GET.get("name") or ""
    posts = Post.objects.by_author(name)
    page = Paginator(posts, settings.POSTS_PER_PAGE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("No posts under that byline.")
    return render(request, "posts/author.html", {"name": name, "page_obj": page})


def search_page(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = search(**form.search_arguments())
        results = Paginator(found, settings.RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        results.object_list = found.hydrate(results.object_list)
    return render(request, "posts/search.html", {"form": form, "results": results})
