"""Find the capture files named on an import's command line. Pure Python."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """A capture to read: `name` is how reports and JSON refer to it.

    Plain strings rather than Path objects: a large import holds one Source
    per file (to sort them), and this keeps that list small.
    """

    name: str
    path: str


class MissingPath(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: no such file or directory")
        self.name = name


def find_sources(arguments: Iterable[str]) -> Iterator[Source | MissingPath]:
    """Yield each capture named by the arguments, in order.

    A folder is read recursively for `*.txt` and `*.xml` files (captures,
    and sites' exports), skipping names that start
    with a dot, in sorted path order (folder by folder: nothing holds the
    list of a large archive's files). A path that does not exist is yielded
    as a MissingPath so that the caller reports it and goes on with the rest.
    """
    for argument in arguments:
        if os.path.isdir(argument):
            for name in _walk(argument):
                yield Source(name, name)
        elif os.path.exists(argument):  # a file; reading it tells what else it may be
            yield Source(argument, argument)
        else:
            yield MissingPath(argument)


def _walk(folder: str) -> Iterator[str]:
    """The *.txt and *.xml files under folder, in sorted order of their paths' parts.
    Links to folders are not followed."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                yield from _walk(os.path.join(folder, entry.name))
        elif entry.name.endswith((".txt", ".xml")):
            yield os.path.join(folder, entry.name)


class Sources:
    """The captures the arguments name, as often as they are walked, and how
    many there are: walked twice rather than kept, so that an import's
    memory does not grow with its archive."""

    def __init__(self, arguments: Sequence[str]) -> None:
        self.arguments = list(arguments)
        self._count: int | None = None

    def __iter__(self) -> Iterator[Source | MissingPath]:
        return find_sources(self.arguments)

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self)
        return self._count
