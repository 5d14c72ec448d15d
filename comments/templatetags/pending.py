from django import template

from comments.models import Comment, Status

register = template.Library()


@register.simple_tag
def pending_comments() -> int:
    """How many comments wait for a moderator (the admin index's queue)."""
    return Comment.objects.filter(status=Status.PENDING).count()
