"""The pages that show posts and comments together: a post with its thread,
and search over both. They live here, in the app that builds on posts."""

import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from comments.paging import PageState, page_state, with_version
from comments.readers import OwnComments, is_moderator
from comments.rendering import thread_section
from comments.search import search
from comments.search_form import SearchForm
from comments.views import comment_form
from posts.conditional import respond
from posts.models import Post


def post_page(request, year, month, day, slug):
    """A post with its comment thread, a page of it at a time."""
    try:
        day = datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Http404("No such date.") from None
    state = page_state(slug)
    if state is None:
        raise Http404("No Post matches the given query.")  # as get_object_or_404 says
    if timezone.localtime(state.published).date() != day:
        raise Http404("No post by that name on that day.")
    number = _page_number(request)
    own = OwnComments.of(request)
    showing = [state.shown, number]  # the post, its thread's version, its neighbours
    if own.ids:  # their comments' Edit links last a while: the tag, a minute
        showing.append(own.now.replace(second=0, microsecond=0))
    return respond(request, showing, lambda: _post_page(request, state, number))


def _post_page(request, state: PageState, number: int):
    post = get_object_or_404(with_version(Post.objects.all()), pk=state.post_id)
    previous_post, next_post = state.older, state.newer
    moderator = is_moderator(request.user)
    thread = thread_section(request, post, number, moderator=moderator)
    if thread is None:
        raise Http404("The thread has no such page.")
    context = {
        "post": post,
        "thread": thread.html,
        "moderator": moderator,
        "comment_count": thread.total,
        "imported_count": thread.imported,
        "live_count": thread.total - thread.imported,
        "thread_page": thread.position,
        "feed_url": reverse("comments:post-feed", kwargs=post.url_kwargs()),
        "atom_url": reverse("comments:post-feed-atom", kwargs=post.url_kwargs()),
        "previous_post": previous_post,
        "next_post": next_post,
        "form": comment_form(request, post),
        # Pingbacks and trackbacks an export brought: read only where there are some.
        "mentions": list(post.mentions.filter(published=True)) if post.mention_count else [],
    }
    return render(request, "comments/post.html", context)


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise Http404("No such page.")
    return int(value)


def search_page(request):
    form = SearchForm(request.GET or None)
    results, capped, limit = None, False, 0
    if form.is_valid() and form.cleaned_data["q"]:
        found = search(**form.search_arguments())
        results = Paginator(found, settings.RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        results.object_list = found.hydrate(results.object_list)
        capped, limit = found.capped, found.limit
    context = {"form": form, "results": results, "capped": capped, "candidates": limit}
    return render(request, "comments/search.html", context)
