"""Fixtures of the hostile suite, and the end-of-run report of measured bounds."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import REPO
from loopback import LoopbackSite

from hostile.support import REPORT


@pytest.fixture
def site():
    """The source's own site: a scripted server on a loopback port."""
    s = LoopbackSite({"/robots.txt": lambda: (200, {"Content-Type": "text/plain"},
                                              b"User-agent: *\n")})
    yield s
    s.close()


@pytest.fixture
def other_site():
    """"Another host": a second loopback port, which no test may ever get a request to."""
    s = LoopbackSite({})
    yield s
    s.close()


@pytest.fixture(scope="session")
def tagger():
    """The shipped model, loaded once for the in-process tests."""
    from classifier.tagger import Tagger

    return Tagger()


@pytest.fixture
def stop():
    """Set at the end of a test: releases server threads that stall on purpose."""
    event = threading.Event()
    yield event
    event.set()


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    terminalreporter.section("hostile cases: measured bounds")
    width = max(len(case) for case in REPORT)
    terminalreporter.write_line(f"{'case':<{width}}  {'seconds':>8}  {'crawl MB':>8}  "
                                f"{'+workers':>8}  recorded as")
    for case, figures in sorted(REPORT.items()):
        main, peak = (("-" if figures[k] is None else f"{figures[k]:.0f}")
                      for k in ("main_mb", "peak_mb"))
        terminalreporter.write_line(f"{case:<{width}}  {figures['seconds']:8.2f}  {main:>8}  "
                                    f"{peak:>8}  {figures['reason']}")
    out = REPO / "tests" / "artifacts" / "hostile-bounds.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(REPORT, indent=2, sort_keys=True) + "\n")
