"""Find the capture files named on an import's command line. Pure Python."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Source:
    """A capture to read: `name` is how reports and JSON refer to it."""

    name: str
    path: Path


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
        path = Path(argument)
        if path.is_dir():
            for relative in sorted(_walk(path), key=lambda p: p.parts):
                yield Source(os.path.join(argument, *relative.parts), path / relative)
        elif path.is_file():
            yield Source(argument, path)
        else:
            yield MissingPath(argument)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".txt") and not name.startswith("."):
                yield (Path(root) / name).relative_to(folder)
