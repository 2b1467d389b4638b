"""Telling a caller how far a report file has got."""

from collections.abc import Callable

ProgressCallback = Callable[[int, int | None], None]
# How often a writer reports: often enough for a progress bar, rarely enough to cost nothing.
PROGRESS_EVERY = 5_000


class Progress:
    """Calls `callback(rows_done, rows_total)` every `every` rows (and once at the end)."""

    __slots__ = ("callback", "every", "total")

    def __init__(self, callback: ProgressCallback | None, *, total: int | None, every: int = PROGRESS_EVERY) -> None:
        self.callback, self.total, self.every = callback, total, every

    def rows(self, done: int) -> None:
        if self.callback is not None:
            self.callback(done, self.total)
