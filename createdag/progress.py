"""A one-line progress bar for long runs (batches, ``check``), drawn only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

#: ``progress(done, total)``: called after each item of a long run.
Progress = Callable[[int, int], None]


class TextProgress:
    """A one-line progress bar on stderr for batches: ``rendering [#####.....] 512/1000``.

    Drawn only when the stream is a terminal and the batch has more than
    ``min_total`` DAGs; redrawn only when the bar changes. Use as
    ``progress=`` of ``create.write_dags``, ``generate.render_all`` or ``check``,
    inside ``with`` so an interrupted bar still ends its line.
    """

    def __init__(self, label: str = "rendering", *, stream: TextIO | None = None, min_total: int = 20,
                 width: int = 30) -> None:  # fmt: skip
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.min_total = min_total
        self.width = width
        self._shown: tuple[int, int] | None = None
        self._open = False
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= self.min_total:
            return
        filled = self.width * done // total
        key = (filled, done * 100 // total)
        if key == self._shown and done != total:
            return
        self._shown = key
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self._open = done != total
        if done == total:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line if it was left open (an error or Ctrl-C mid-batch)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    def __enter__(self) -> TextProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
