from django.urls import path, re_path

from posts import views

app_name = "posts"

urlpatterns = [
    path("", views.PostListView.as_view(), name="index"),
    # Fixed-width digits: nothing a visitor types can overflow a date.
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.post_detail,
        name="detail",
    ),
]
