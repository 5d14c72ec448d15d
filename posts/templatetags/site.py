from django import template
from django.conf import settings

register = template.Library()

_SETTINGS = {"name": "SITE_NAME", "tagline": "SITE_TAGLINE", "description": "SITE_DESCRIPTION"}


@register.simple_tag
def site(what: str) -> str:
    """The site's name, tagline or description (settings SITE_*). A tag rather
    than a context processor: the 500 page renders with no request at all."""
    return getattr(settings, _SETTINGS[what])
