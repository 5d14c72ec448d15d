import datetime

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import ListView

from comments.models import Comment
from comments.threads import visible_thread
from comments.views import comment_form, own_comment_ids
from posts.models import Post


class PostListView(ListView):
    queryset = Post.objects.for_index()
    paginate_by = settings.POSTS_PER_PAGE
    template_name = "posts/index.html"


def post_detail(request, year, month, day, slug):
    try:
        day = datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Http404("No such date.") from None
    post = get_object_or_404(Post, slug=slug)
    if timezone.localtime(post.published).date() != day:
        raise Http404("No post by that name on that day.")
    comments = visible_thread(Comment.objects.thread(post), own=own_comment_ids(request))
    context = {
        "post": post,
        "comments": comments,
        "comment_count": sum(entry.comment.is_visible for entry in comments),
        "form": comment_form(request, post),
    }
    return render(request, "posts/detail.html", context)
