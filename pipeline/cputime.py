"""CPU time per pipeline stage, in the crawl's stats (``dcradar/cpu_s/<stage>``).

Scrapy dumps its stats at the end of every crawl, so the split between
fetching/parsing and the stages (and, with worker processes, the CPU the
workers spent) is visible in every log, and ``benchmarks/run.py`` reads it.
In the crawl process the stages' synchronous code is timed with the
monotonic clock (it runs on the event loop's thread and does not wait, so
its time is its CPU time, unless the machine is overloaded): a
thread-CPU-time clock costs a system call here, ~0.2 ms, more than some stages.
Worker processes report their own CPU time (``time.process_time``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any


def add_cpu(crawler: Any, stage: str, seconds: float) -> None:
    """Account ``seconds`` of CPU to ``stage``; a stage built without a crawler counts nothing."""
    stats = getattr(crawler, "stats", None)
    if stats is not None and seconds:
        stats.inc_value(f"dcradar/cpu_s/{stage}", seconds)


def timed(stage: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a synchronous ``process_item`` so its running time counts for ``stage``.

    The stage object must have a ``crawler`` attribute (None is fine). Time
    is counted whatever the outcome, a ``DropItem`` included.
    """
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                add_cpu(getattr(self, "crawler", None), stage, time.perf_counter() - started)
        return wrapper
    return decorate
