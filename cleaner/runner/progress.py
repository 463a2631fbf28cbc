"""The progress line of a batch run, drawn by tqdm.

On a terminal: bytes of input read out of the total (once known), elapsed time,
time left, rate, and documents done, redrawn in place, fitted to the terminal's
width as it changes, and cleared when the run ends (the summary follows).
Silent when the stream is not a terminal (a log file, a pipe) or with ``--quiet``.
"""

from __future__ import annotations

import threading
from typing import Any, TextIO

__all__ = ["Progress", "total_in_background"]

# documents done, share of the input read, bar, bytes read of the total,
# elapsed<left, rate: the bar shrinks to fit, and tqdm cuts what still does not
# fit from the end (the line never wraps into fragments), so the documents and
# the share stay on the narrowest terminal
_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}, {rate_fmt}]"
_FORMAT_NO_TOTAL = "{desc} {n_fmt}B [{elapsed}, {rate_fmt}]"


class Progress:
    """A one-line progress display on a terminal; silent otherwise.

    ``update(docs, nbytes, disk_bytes=...)``: documents done, bytes of documents
    read, bytes of input files read (the bar's position; ``total_bytes``, which
    may be set later from another thread, is its end)."""

    def __init__(
        self, stream: TextIO, enabled: bool, total_bytes: int | None = None, interval: float = 0.5
    ) -> None:
        self.stream = stream
        try:
            tty = bool(stream.isatty())
        except (AttributeError, ValueError):
            tty = False
        self.enabled = enabled and tty
        self.total_bytes = total_bytes
        self.interval = interval
        self._lock = threading.Lock()
        self._bar: Any = None
        self._shown_total: int | None = None
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total_bytes,
                file=stream,
                dynamic_ncols=True,
                leave=False,
                unit="B",
                unit_scale=True,
                unit_divisor=1000,
                mininterval=interval,
                smoothing=0.1,
                desc="0 docs",
                bar_format=_FORMAT if total_bytes else _FORMAT_NO_TOTAL,
            )
            self._shown_total = total_bytes

    def update(self, docs: int, nbytes: int, force: bool = False, disk_bytes: int | None = None) -> None:
        """``docs`` done, ``nbytes`` of documents read; ``disk_bytes`` of input files read (the position)."""
        bar = self._bar
        if bar is None:
            return
        pos = disk_bytes if disk_bytes is not None else nbytes
        with self._lock:
            total = self.total_bytes
            if total and total != self._shown_total:
                bar.total = max(total, pos)
                bar.bar_format = _FORMAT
                self._shown_total = total
            bar.set_description_str(f"{docs:,} doc{'s' if docs != 1 else ''}", refresh=False)
            if pos > bar.n:
                bar.update(pos - bar.n)
            elif force:
                bar.refresh()

    def close(self) -> None:
        """Clear the line (the summary takes its place)."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None


def total_in_background(inputs: list[str], progress: Progress, exclude: tuple[str, ...] = ()) -> None:
    """Set ``progress.total_bytes`` (the bar's end) to the inputs' size, measured in
    a thread: a folder of many files takes a while to walk, and the run starts at once."""
    from cleaner.io.readers import input_bytes

    def work() -> None:
        progress.total_bytes = input_bytes(inputs, exclude)

    threading.Thread(target=work, name="cleaner-input-size", daemon=True).start()
