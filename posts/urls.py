from django.urls import path, re_path

import posts.names  # noqa: F401  (registers the <name:…> converter)
from posts import feeds, views
from posts.conditional import tagged_by_state

app_name = "posts"

# Fixed-width digits: nothing a visitor types can overflow a date.
YEAR, MONTH, DAY = r"(?P<year>[0-9]{4})", r"(?P<month>[0-9]{2})", r"(?P<day>[0-9]{2})"
POST = rf"^{YEAR}/{MONTH}/{DAY}/(?P<slug>[-\w]+)/"

urlpatterns = [
    path("", views.PostListView.as_view(), name="index"),
    re_path(rf"^{YEAR}/$", views.YearArchive.as_view(), name="year"),
    re_path(rf"^{YEAR}/{MONTH}/$", views.MonthArchive.as_view(), name="month"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/$", views.DayArchive.as_view(), name="day"),
    path("archive/", views.archive_index, name="archive"),
    path("authors/", views.author, name="authors"),
    path("authors/<name:name>/", views.author, name="author"),
    path("feeds/posts/", tagged_by_state(feeds.state)(feeds.LatestPosts()), name="feed"),
    path(
        "feeds/posts/atom/",
        tagged_by_state(feeds.state)(feeds.LatestPostsAtom()),
        name="feed-atom",
    ),  # fmt: skip
]
