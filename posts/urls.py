from django.conf import settings
from django.urls import path, re_path
from django.views.decorators.cache import cache_page

import posts.names  # noqa: F401  (registers the <name:…> converter)
from posts import feeds, views

app_name = "posts"

# Fixed-width digits: nothing a visitor types can overflow a date.
YEAR, MONTH, DAY = r"(?P<year>[0-9]{4})", r"(?P<month>[0-9]{2})", r"(?P<day>[0-9]{2})"
POST = rf"^{YEAR}/{MONTH}/{DAY}/(?P<slug>[-\w]+)/"

urlpatterns = [
    # The same for every reader (no form, no session): cached whole, in the
    # shared cache, for PAGE_CACHE_SECONDS. Post pages carry per-reader forms.
    path(
        "",
        cache_page(settings.PAGE_CACHE_SECONDS)(views.PostListView.as_view()),
        name="index",
    ),
    re_path(rf"^{YEAR}/$", views.YearArchive.as_view(), name="year"),
    re_path(rf"^{YEAR}/{MONTH}/$", views.MonthArchive.as_view(), name="month"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/$", views.DayArchive.as_view(), name="day"),
    path("archive/", views.archive_index, name="archive"),
    path("authors/", views.author, name="authors"),
    path("authors/<name:name>/", views.author, name="author"),
    path("feeds/posts/", feeds.LatestPosts(), name="feed"),
    path("feeds/posts/atom/", feeds.LatestPostsAtom(), name="feed-atom"),
]
