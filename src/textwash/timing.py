"""CPU seconds per named step, kept by the code that runs the steps (bench reads them)."""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StepTimes:
    """CPU seconds spent per step, summed over the calls timed.

    >>> times = StepTimes()
    >>> with times.step("parse"):
    ...     _ = sum(range(1000))
    >>> list(times.seconds) == ["parse"] and times.seconds["parse"] >= 0
    True
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.process_time()
        try:
            yield
        finally:
            self.seconds[name] += time.process_time() - started

    def merge(self, other: StepTimes) -> None:
        for name, seconds in other.seconds.items():
            self.seconds[name] += seconds
