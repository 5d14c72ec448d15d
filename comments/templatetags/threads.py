from django import template
from django.utils.safestring import mark_safe

from posts.text import paragraphs_html

register = template.Library()


@register.filter
def paragraphs(text: str):
    """Text as escaped paragraphs with its links (templates/text.jinja)."""
    return mark_safe(paragraphs_html(text))
