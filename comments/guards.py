"""What keeps spam and abuse out of the comments: who is asking, how often,
and whether what they wrote is published at once, held, or marked as spam.
Each rule is a setting (config/settings.py), on by default."""

from __future__ import annotations

import ipaddress
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Value
from django.db.models.functions import Upper

from comments.models import BlockedCommenter, BlockedTerm, Comment, Status
from posts.text import find_urls


def client_address(request) -> str:
    """The address a request came from.

    REMOTE_ADDR, unless TRUSTED_PROXIES says how many proxies stand in front:
    each appends the address it saw to X-Forwarded-For, so the client is the
    one the outermost trusted proxy recorded. Anything further left was written
    by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in header.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def over_rate_limit(address: str) -> bool:
    """Count a submission from `address`; True once it is over the limit.

    A fixed window in the cache (shared by every web process when CACHE_URL
    names Redis): at most COMMENTS_RATE_LIMIT submissions per
    COMMENTS_RATE_PERIOD seconds.
    """
    limit, period = settings.COMMENTS_RATE_LIMIT, settings.COMMENTS_RATE_PERIOD
    if limit <= 0 or period <= 0:
        return False
    key = f"comments:rate:{address}:{int(time.time() // period)}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count > limit


def blocked_term(*texts: str) -> str | None:
    """The first blocklist entry found, as a whole word or phrase, in any text."""
    terms = list(BlockedTerm.objects.values_list("term", flat=True))
    if not terms:
        return None
    haystack = "\n".join(texts)
    for term in terms:
        if re.search(rf"(?<!\w){re.escape(term.strip())}(?!\w)", haystack, re.IGNORECASE):
            return term
    return None


def blocked_commenter(*, name: str, email: str, address: str) -> BlockedCommenter | None:
    """The block that matches a new comment's name, email or address, if any
    (exact, ignoring case)."""
    wanted = Q(kind=BlockedCommenter.Kind.NAME, upper_value=name.strip().upper())
    if email:
        wanted |= Q(kind=BlockedCommenter.Kind.EMAIL, upper_value=email.strip().upper())
    if address:
        wanted |= Q(kind=BlockedCommenter.Kind.ADDRESS, upper_value=address.upper())
    return BlockedCommenter.objects.annotate(upper_value=Upper("value")).filter(wanted).first()


def is_known_commenter(name: str, email: str) -> bool:
    """Has a comment written here under this name and email been published?

    Names from the archive do not count: anyone can type them.
    """
    return (
        Comment.objects.published()
        .written_here()
        .annotate(upper_name=Upper("author_name"), upper_email=Upper("email"))
        .filter(upper_name=Upper(Value(name)), upper_email=Upper(Value(email)))
        .exists()
    )


def initial_status(*, name: str, email: str, website: str, body: str, address: str) -> str:
    """Published, pending or spam, for a new comment that passed the form."""
    if blocked_commenter(name=name, email=email, address=address) or blocked_term(
        name, email, website, body, address
    ):
        return Status.SPAM
    max_links = settings.COMMENTS_MAX_LINKS
    if max_links > 0 and len(find_urls(body)) > max_links:
        return Status.PENDING
    policy = settings.COMMENTS_MODERATION
    if policy == "hold" or (policy == "unknown" and not is_known_commenter(name, email)):
        return Status.PENDING
    return Status.PUBLISHED
