from django import template
from django.utils.safestring import mark_safe

from comments.rendering import thread_html
from posts.text import paragraphs_html

register = template.Library()


@register.simple_tag
def render_thread(entries, context):
    """The <li> items of a thread, in order (templates/comments/thread.jinja)."""
    return thread_html(entries, context)


@register.filter
def paragraphs(text: str):
    """Text as escaped paragraphs with its links (templates/text.jinja)."""
    return mark_safe(paragraphs_html(text))
