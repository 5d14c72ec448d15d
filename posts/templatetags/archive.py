from functools import cache as once

from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from posts import names
from posts.conditional import release
from posts.jinja import jinja2_environment
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


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


@once
def _patterns() -> tuple[str, str]:
    # Reversed once, filled in per link: an archive lists hundreds of months.
    year = reverse("posts:year", kwargs={"year": "0000"}).replace("0000", "{}")
    month = reverse("posts:month", kwargs={"year": "0000", "month": "00"})
    return year, month.replace("0000", "{}", 1).replace("00", "{}", 1)


@register.simple_tag
def archive_months(months) -> SafeString:
    """Every year and month with its posts, linked (months: posts.counts.Months).
    Hundreds of months in a long archive: the markup is kept in the cache
    under the months' digest, and written again only when they change."""
    key = f"archive-months:{release()}:{months.digest}"  # new code, new markup
    html = cache.get(key)
    if html is None:
        year_url, month_url = _patterns()
        template = jinja2_environment().get_template("posts/archive_months.jinja")
        html = template.render(
            years=months.years(), year_url=year_url, month_url=month_url,
            month_names=MONTH_NAMES,
        )  # fmt: skip
        cache.set(key, html, 24 * 3600)
    return mark_safe(html)  # Jinja2 escaped what it wrote
