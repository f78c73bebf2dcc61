"""benchmarks/procstats.py: the benchmark's view of its processes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

import pytest

from benchmarks import procstats

# A child that starts a grandchild, then burns a little CPU and holds 30 MB.
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
print(child.pid, flush=True)
block = bytearray(30 * 1024 * 1024)
deadline = time.process_time() + 0.3
while time.process_time() < deadline:
    pass
time.sleep(30)
"""


@pytest.fixture
def family():
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    grandchild = int(parent.stdout.readline())
    try:
        yield parent.pid, grandchild
    finally:
        for pid in (grandchild, parent.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        parent.wait()


@pytest.mark.skipif(not procstats._HAS_CHILDREN, reason="no /proc/PID/task/TID/children here")
def test_the_walk_down_finds_what_the_scan_of_every_process_finds(family):
    parent, grandchild = family
    parents, stats = procstats._tree(os.getpid())
    assert parents[parent] == os.getpid() and parents[grandchild] == parent
    everything, scanned = procstats._scan()
    for pid in (parent, grandchild):
        assert everything[pid] == parents[pid]
        assert scanned[pid][1] == stats[pid][1]  # the same stat line: its parent field


def test_samples_cpu_memory_and_roles_of_the_tree(family):
    parent, grandchild = family
    time.sleep(0.5)  # the parent's 30 MB and 0.3 s of CPU
    sampler = procstats.Sampler(interval=0.05).start()
    time.sleep(0.2)
    sampler.stop()
    assert {parent, grandchild} <= set(sampler.procs)
    assert sampler.procs[parent].cpu_s >= 0.2
    assert sampler.procs[parent].peak_kb >= 30 * 1024
    assert "python" in sampler.procs[parent].role
    assert sampler.peak_total_kb >= sampler.procs[parent].peak_kb
