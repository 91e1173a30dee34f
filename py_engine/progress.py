"""Progress reports from long work, and how the work is driven.

Long operations (synthesis, evaluation) are generators that yield a `Step` after each unit of work
(a visited column, a metric) and return their result. `drive()` runs one synchronously, handing each
step to a callback that may raise `Cancelled`; the browser entry points drive the same generators
asynchronously, yielding to the worker's event loop between steps so a cancel request is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Step:
    stage: str  # "synthesise", "evaluate", "report", ...
    step: int  # 1-based count of units done
    total: int
    key: str  # string key in locales/<lang>.json, e.g. "progress.column"
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


Work = Generator[Step, None, T]


def drive(work: Work[T], progress: Callable[[Step], None] | None = None) -> T:
    """Run a generator of Steps to its end and return its result."""
    while True:
        try:
            step = next(work)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(step)
