"""Find the capture files named on an import's command line. Pure Python."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
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

    A folder is read recursively for `*.txt` files, skipping names that start
    with a dot, in sorted path order. A path that does not exist is yielded as
    a MissingPath so that the caller reports it and goes on with the rest.
    """
    for argument in arguments:
        if os.path.isdir(argument):
            for relative in sorted(_walk(argument), key=lambda p: p.split(os.sep)):
                name = os.path.join(argument, relative)
                yield Source(name, name)
        elif os.path.exists(argument):  # a file; reading it tells what else it may be
            yield Source(argument, argument)
        else:
            yield MissingPath(argument)


def _walk(folder: str) -> Iterator[str]:
    """Paths of the *.txt files under folder, relative to it."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".txt") and not name.startswith("."):
                yield os.path.relpath(os.path.join(root, name), folder)
