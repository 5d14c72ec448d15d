"""RSS and Atom feeds of comments: the whole site's, and one post's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from comments.counts import comments_stamp
from comments.models import Comment
from comments.paging import with_version
from posts.models import Post
from posts.text import paragraphs_html
from posts.times import zone_named

FEED_LENGTH = 50


# What the feeds are tagged by (tagged_by_state): every statement that adds,
# changes or removes a post's comments moves its thread's version (and, at
# commit, the comments' counters), and every writer of a post sets its
# updated_at and moves the posts' counters (its title is in each item).


def latest_state(request) -> tuple | None:
    """The comments' and the posts' stamp, which every committed change to a
    comment or to a post moves: one query of their counters. (Any comment's
    change gives the feeds a new tag, not only a listed one's.)"""
    return comments_stamp().tag


def post_state(request, year, month, day, slug) -> tuple | None:
    """The post's last change and its thread's version (None: no such post)."""
    post = with_version(Post.objects.filter(slug=slug))
    return post.values_list("updated_at", "thread_version").first()


class LatestComments(Feed):
    def title(self) -> str:
        return f"{settings.SITE_NAME}: latest comments"

    link = reverse_lazy("posts:index")
    description = "The newest comments, archived and written here, across the site."
    feed_url = reverse_lazy("comments:feed")

    def items(self):
        return Comment.objects.newest().defer(
            "post__body", "post__body_html", "post__capture_hashes"
        )[:FEED_LENGTH]

    def item_title(self, comment: Comment) -> str:
        return f"{comment.author_name} on “{comment.post.title}”"

    def item_description(self, comment: Comment) -> str:
        return paragraphs_html(comment.body)

    def item_link(self, comment: Comment) -> str:
        return comment.get_absolute_url()

    def item_guid(self, comment: Comment) -> str:
        return f"comment-{comment.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, comment: Comment) -> str:
        return comment.author_name

    def item_pubdate(self, comment: Comment):
        # In the zone its time was written in: the capture's, or the site's.
        return comment.posted.astimezone(zone_named(comment.zone_name))

    def item_updateddate(self, comment: Comment):
        return comment.edited_at or self.item_pubdate(comment)


class LatestCommentsAtom(LatestComments):
    feed_type = Atom1Feed
    subtitle = LatestComments.description
    feed_url = reverse_lazy("comments:feed-atom")


class PostComments(LatestComments):
    """One post's comments, newest first."""

    def get_object(self, request, year, month, day, slug):
        post = get_object_or_404(Post, slug=slug)
        if post.url_kwargs() != {"year": year, "month": month, "day": day, "slug": slug}:
            raise Http404("No post by that name on that day.")
        return post

    def title(self, post: Post) -> str:
        return f"Comments on “{post.title}” · {settings.SITE_NAME}"

    def link(self, post: Post) -> str:
        return post.get_absolute_url()

    def description(self, post: Post) -> str:
        return f"Comments on “{post.title}”, by {post.author}."

    def feed_url(self, post: Post) -> str:
        return reverse("comments:post-feed", kwargs=post.url_kwargs())

    def items(self, post: Post):
        comments = Comment.objects.published().filter(post=post).order_by("-posted", "-number")
        # The post is the one already fetched: no query per comment for its zone.
        return [_with_post(comment, post) for comment in comments[:FEED_LENGTH]]

    def item_title(self, comment: Comment) -> str:
        return f"{comment.author_name} on {comment.posted_text}"


class PostCommentsAtom(PostComments):
    feed_type = Atom1Feed

    def subtitle(self, post: Post) -> str:
        return self.description(post)

    def feed_url(self, post: Post) -> str:
        return reverse("comments:post-feed-atom", kwargs=post.url_kwargs())


def _with_post(comment: Comment, post: Post) -> Comment:
    comment.post = post
    return comment
