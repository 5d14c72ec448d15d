from django.urls import path, re_path

import posts.names  # noqa: F401  (registers the <name:…> converter)
from comments import feeds, pages, views
from posts.conditional import tagged_by_state
from posts.urls import POST

latest, of_post = tagged_by_state(feeds.latest_state), tagged_by_state(feeds.post_state)

app_name = "comments"
urlpatterns = [
    path("comments/<int:comment_id>/", views.permalink, name="permalink"),
    path("comments/post/<int:post_id>/", views.post_comment, name="post"),
    path("comments/<int:comment_id>/reply/", views.reply, name="reply"),
    path("comments/<int:comment_id>/edit/", views.edit, name="edit"),
    path("comments/<int:comment_id>/delete/", views.delete, name="delete"),
    path("comments/forget-me/", views.forget_details, name="forget"),
    path("comments/confirm/<str:token>/", views.confirm_address, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("people/", views.person, name="people"),
    path("people/<name:name>/", views.person, name="person"),
    path("feeds/comments/", latest(feeds.LatestComments()), name="feed"),
    path("feeds/comments/atom/", latest(feeds.LatestCommentsAtom()), name="feed-atom"),
    re_path(rf"{POST}$", pages.post_page, name="post-page"),
    path("search/", pages.search_page, name="search"),
    re_path(rf"{POST}feed/$", of_post(feeds.PostComments()), name="post-feed"),
    re_path(rf"{POST}feed/atom/$", of_post(feeds.PostCommentsAtom()), name="post-feed-atom"),
]
