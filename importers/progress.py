"""A one-line progress bar for a terminal; silent anywhere else."""

from __future__ import annotations

import time


class Progress:
    WIDTH = 30

    def __init__(self, stream, *, total: int, enabled: bool) -> None:
        self.stream = stream
        self.total = total
        self.enabled = enabled and total > 0
        self.count = 0
        self.shown_at = 0.0
        self.visible = False

    def step(self, files: int = 1) -> None:
        if not files:
            return
        self.count += files
        now = time.monotonic()
        # Redrawing on every file would cost more than importing it.
        if self.enabled and (now - self.shown_at > 0.1 or self.count == self.total):
            self.shown_at = now
            filled = self.WIDTH * self.count // self.total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.count}/{self.total} files", ending="")
            self.stream.flush()
            self.visible = True

    def clear(self) -> None:
        if self.visible:
            self.stream.write("\r\033[K", ending="")
            self.visible = False

    def done(self) -> None:
        self.clear()
