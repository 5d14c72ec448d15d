"""Times as the archive wrote them, with the zone a machine needs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


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
    offset = local.strftime("%z")
    sign = "−" if offset.startswith("-") else "+"
    return (
        local.isoformat(timespec="seconds"),
        f"{zone.key} ({local.tzname()}, UTC{sign}{offset[1:3]}:{offset[3:5]})",
    )
