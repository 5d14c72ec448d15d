"""The import's progress bar, on a terminal only: files done of all, files/s,
comments/s and time left, in the terminal's own colours (red is for errors).

tqdm draws it: one small, dependency-free library that already handles
terminal widths, rates and estimates, and printing lines above a live bar.
"""

from __future__ import annotations

import contextlib
import time

from tqdm import tqdm

# No monitor thread: an import forks its writer processes, and refuses to
# while another thread runs (importers/running.py). The bar is redrawn from
# the import's own loop instead.
tqdm.monitor_interval = 0


class Progress:
    FORMAT = (
        "{percentage:3.0f}% |{bar}| {n_fmt}/{total_fmt} files · {rate_fmt}{postfix} · "
        "{remaining} left"
    )

    def __init__(self, stream, *, total: int, enabled: bool) -> None:
        self.enabled = enabled and total > 0
        self.comments = 0
        self.started = time.monotonic()
        self.bar = tqdm(
            total=total,
            file=getattr(
                stream, "_out", stream
            ),  # past Django's OutputWrapper, which adds newlines
            disable=not self.enabled,
            unit=" files",
            bar_format=self.FORMAT,
            postfix="0 comments/s",
            dynamic_ncols=True,
            leave=False,  # the summary line says what happened
            mininterval=0.1,  # redrawing on every file would cost more than importing it
        )

    def step(self, files: int = 1, comments: int = 0) -> None:
        if not self.enabled or not (files or comments):
            return
        self.comments += comments
        rate = self.comments / max(time.monotonic() - self.started, 1e-6)
        self.bar.set_postfix_str(f"{rate:,.0f} comments/s", refresh=False)
        self.bar.update(files)
        if self.bar.n >= self.bar.total:
            self.bar.refresh()  # the end is always shown, however fast it came

    @contextlib.contextmanager
    def aside(self):
        """Print something (an error, a dry run's line) with the bar out of its way."""
        if not self.enabled:
            yield
            return
        with self.bar.external_write_mode():
            yield

    def done(self) -> None:
        self.bar.close()
