"""Run a command under hang guards and measure what it took: wall seconds, peak memory.

The guards (a timeout, an address-space limit) are generous on purpose: they
only stop a runaway process so the suite cannot hang or swap on a busy
machine. The measured figures are what the hostile tests report and bound.

Memory is read from ``/proc`` while the command runs: ``ru_maxrss`` would not
do, because Linux carries the parent's resident size across fork and exec
into the child's figure (a pytest that loaded the model makes every child
look 300 MB big). Two figures: ``main_mb``, the process's own high-water mark
(``VmHWM``), and ``peak_mb``, the largest sum of resident sizes of its whole
process tree (extraction and tagging workers included) seen while polling
every 50 ms (at least ``main_mb``).
"""

from __future__ import annotations

import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Hang guards for one crawl process: wall-clock seconds and address space (MB).
GUARD_SECONDS = 240.0
GUARD_MEMORY_MB = 6144
POLL_S = 0.05


@dataclass
class Measured:
    """A finished (or killed) process: exit code, wall seconds, peak resident MB, output."""

    returncode: int
    seconds: float
    peak_mb: float
    main_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from ``/proc/PID/task/TID/children``)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def run_bounded(cmd: list[str], *, cwd: Path | None = None, timeout: float = GUARD_SECONDS,
                memory_mb: int = GUARD_MEMORY_MB) -> Measured:
    """Run ``cmd`` to completion (killed after ``timeout``) and measure it."""
    limit = memory_mb * 1024 * 1024

    def guard() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, preexec_fn=guard)
        peak_kb = main_kb = 0
        timed_out = False
        while proc.poll() is None:
            tree = sum(_status_kb(p, "VmRSS") for p in _tree(proc.pid))
            main_kb = max(main_kb, _status_kb(proc.pid, "VmHWM"))
            peak_kb = max(peak_kb, tree, main_kb)
            if time.monotonic() - start > timeout:
                proc.kill()
                proc.wait()
                timed_out = True
                break
            time.sleep(POLL_S)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, seconds, peak_kb / 1024, main_kb / 1024,
                        out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace"), timed_out)
