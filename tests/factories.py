import datetime as dt

import factory

from comments.services import comment_create
from posts.models import Post


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    title = factory.Sequence(lambda n: f"Post number {n}")
    slug = factory.LazyAttribute(lambda post: Post.base_slug(post.title))
    author = "Allahpundit"
    published = factory.Sequence(
        lambda n: dt.datetime(2007, 3, 21, 19, 27, tzinfo=dt.UTC) - dt.timedelta(days=n)
    )
    published_text = "7:27 pm on March 21, 2007"
    body = "First paragraph.\n\nSecond paragraph,\nwith a line break."


def reply(parent=None, *, post=None, author_name="Reader", body="A reply.", **kwargs):
    """A comment written on the site, through the same service as the form."""
    return comment_create(
        post=post or parent.post, parent=parent, author_name=author_name, body=body, **kwargs
    )
