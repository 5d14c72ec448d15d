from django import template
from django.utils.html import format_html

from posts import names
from posts.times import machine_time, zone_named

register = template.Library()


@register.filter
def author_url(name: str) -> str:
    return names.author_url(name)


@register.filter
def person_url(name: str) -> str:
    return names.person_url(name)


@register.simple_tag
def archived_time(moment, text: str, zone_name: str = ""):
    """<time> with the words as the archive wrote them, the instant with its
    UTC offset for machines, and the zone in a tooltip."""
    datetime_attr, zone_words = machine_time(moment, zone_named(zone_name))
    return format_html('<time datetime="{}" title="{}">{}</time>', datetime_attr, zone_words, text)
