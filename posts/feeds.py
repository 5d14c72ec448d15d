"""RSS and Atom feeds of posts, dated as originally published."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from posts.models import Post
from posts.text import paragraphs_html

FEED_LENGTH = 30


def state(request) -> list[tuple]:
    """What the posts' feeds are tagged by: their posts' stamps."""
    return Post.objects.newest_stamps(FEED_LENGTH)


class LatestPosts(Feed):
    def title(self) -> str:
        return f"{settings.SITE_NAME}: latest posts"

    link = reverse_lazy("posts:index")
    description = "The newest posts in the archive."
    feed_url = reverse_lazy("posts:feed")

    def items(self):
        return Post.objects.order_by("-published", "-pk")[:FEED_LENGTH]

    def item_title(self, post: Post) -> str:
        return post.title

    def item_description(self, post: Post) -> str:
        return paragraphs_html(post.body)

    def item_author_name(self, post: Post) -> str:
        return post.author

    def item_pubdate(self, post: Post):
        # In the zone the capture was read in: the time as it was published.
        return post.published.astimezone(post.zone)

    def item_updateddate(self, post: Post):
        return self.item_pubdate(post)


class LatestPostsAtom(LatestPosts):
    feed_type = Atom1Feed
    subtitle = LatestPosts.description
    feed_url = reverse_lazy("posts:feed-atom")
