from django import template

from comments.rendering import thread_html

register = template.Library()


@register.simple_tag
def render_thread(entries):
    """The <li> items of a thread, in order (see comments/rendering.py)."""
    return thread_html(entries)
