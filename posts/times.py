"""Times as the archive wrote them, with the zone a machine needs."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone


def zone_named(name: str) -> ZoneInfo:
    """The zone called `name`; the site's TIME_ZONE for an empty or unknown name.
    (ZoneInfo keeps one instance per key: this costs a dict lookup.)"""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def machine_time(moment: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """(datetime attribute, tooltip) for a <time>: the instant with its UTC
    offset in `zone`, and words naming the zone: "America/New_York (EDT, UTC−04:00)"."""
    local = moment.astimezone(zone)
    return local.isoformat(timespec="seconds"), _zone_words(zone.key, local.tzname(),
                                                            local.utcoffset())  # fmt: skip


@lru_cache(maxsize=256)
def _zone_words(key: str, abbreviation: str | None, offset: timedelta | None) -> str:
    # A thread shows thousands of times in a handful of (zone, offset) pairs.
    minutes = int(offset.total_seconds()) // 60 if offset else 0
    hours, minutes = divmod(abs(minutes), 60)
    sign = "−" if offset and offset < timedelta(0) else "+"
    return f"{key} ({abbreviation}, UTC{sign}{hours:02d}:{minutes:02d})"


def clock(moment: datetime) -> str:
    """'9:47 PM': a time of day as the archived signatures write it, in the
    site's time zone."""
    local = timezone.localtime(moment)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
