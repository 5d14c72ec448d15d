"""Numbered pages of a long list, newest first, that cost the same at any depth.

Django's Paginator counts the whole list and reaches page N by skipping every
row before it (OFFSET), so the last page of 100,000 posts reads them all.
Here a list brings its counts per month, kept by the database (PostMonth,
comments' PersonMonth): they give the total and the month a page starts
in, and the page is read from the index at that month's end, skipping only
the rows of that month that come before it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.utils import timezone


def month_start(month: datetime.date) -> datetime.datetime:
    """The first instant of `month`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(month.replace(day=1), datetime.time()))


def month_end(month: datetime.date) -> datetime.datetime:
    """The first instant after `month`, in the site's time zone."""
    return month_start(month.replace(day=1) + datetime.timedelta(days=32))


class MonthPaginator(Paginator):
    """Pages of `object_list`, ordered newest first by `field`, given
    `months`: [(first of month, rows), …] newest first, the rows of the list
    in each month of the site's time zone."""

    def __init__(
        self,
        object_list,
        per_page: int,
        months: Sequence[tuple[datetime.date, int]],
        *,
        field: str = "published",
        allow_empty_first_page: bool = True,
    ) -> None:
        super().__init__(object_list, per_page, allow_empty_first_page=allow_empty_first_page)
        self.months = [(month, n) for month, n in months if n > 0]
        self.field = field

    @cached_property
    def count(self) -> int:
        return sum(n for _, n in self.months)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        skip = (number - 1) * self.per_page
        rows = self.object_list
        for month, n in self.months:
            if skip < n:
                rows = rows.filter(**{f"{self.field}__lt": month_end(month)})
                break
            skip -= n
        return self._get_page(rows[skip : skip + self.per_page], number, self)
