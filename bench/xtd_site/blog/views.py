from django.shortcuts import get_object_or_404, render

from bench.xtd_site.blog.models import Post


def post_detail(request, pk):
    return render(request, "blog/post_detail.html", {"object": get_object_or_404(Post, pk=pk)})
