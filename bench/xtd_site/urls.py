from django.http import HttpResponse
from django.urls import include, path

from bench.xtd_site.blog.views import post_detail


def hello(request):
    return HttpResponse("Hello, world.")


urlpatterns = [
    path("bench/hello/", hello),
    path("post/<int:pk>/", post_detail, name="post-detail"),
    path("comments/", include("django_comments_xtd.urls")),
]
