from django.conf import settings
from django.urls import path, re_path
from django.views.decorators.cache import cache_page

from posts import views

app_name = "posts"

urlpatterns = [
    # The same for every reader (no form, no session): cached whole, in the
    # shared cache, for PAGE_CACHE_SECONDS. Post pages carry per-reader forms.
    path(
        "",
        cache_page(settings.PAGE_CACHE_SECONDS)(views.PostListView.as_view()),
        name="index",
    ),
    # Fixed-width digits: nothing a visitor types can overflow a date.
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.post_detail,
        name="detail",
    ),
]
