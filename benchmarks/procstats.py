"""Peak memory and CPU of every process a benchmark starts, read from /proc (Linux).

A background thread walks the benchmark's process tree a few times a second
and keeps, per process, its role (from its command line), its peak resident
set (``VmHWM``: the kernel's own high-water mark, so a peak between two
samples is not missed) and its CPU time, plus the largest sum of resident
sets seen at one moment (every process together).

The walk goes down from the root through each thread's ``children`` file,
reading only the tree's own processes: scanning every process of the machine
(some 70 here) took 2.7 % of a core, CPU the crawl then lacked, while the
anchor it is compared with runs with the other core idle. Where the kernel
has no ``children`` files, the scan it is.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    pid: int
    role: str
    peak_kb: int = 0
    cpu_s: float = 0.0


@dataclass
class Sampler:
    """Samples the descendants of ``root`` (default: this process) every ``interval`` s."""

    root: int = field(default_factory=os.getpid)
    interval: float = 0.2
    procs: dict[int, Proc] = field(default_factory=dict)
    peak_total_kb: int = 0
    #: The same without the processes of these roles (the test's own web server).
    exclude: tuple[str, ...] = ("site server",)
    peak_ours_kb: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        parents, stats = _tree(self.root) if _HAS_CHILDREN else _scan()
        total = ours = 0
        for pid in sorted(stats):  # parents (lower pids) first, so workers know their role
            if not self._descends(pid, parents):
                continue
            proc = self.procs.get(pid)
            if proc is None:
                proc = self.procs[pid] = Proc(pid, self._role(pid, parents))
            fields = stats[pid]
            proc.cpu_s = (int(fields[11]) + int(fields[12])) / TICKS
            rss, hwm = _memory_kb(pid)
            proc.peak_kb = max(proc.peak_kb, hwm)
            total += rss
            ours += 0 if proc.role in self.exclude else rss
        self.peak_total_kb = max(self.peak_total_kb, total)
        self.peak_ours_kb = max(self.peak_ours_kb, ours)

    def _descends(self, pid: int, parents: dict[int, int]) -> bool:
        seen = 0
        while pid in parents and seen < 64:
            pid = parents[pid]
            if pid == self.root:
                return True
            seen += 1
        return False

    def _role(self, pid: int, parents: dict[int, int]) -> str:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return "gone"
        if "multiprocessing" in cmd:
            parent = self.procs.get(parents.get(pid, -1))
            if parent and parent.role.endswith(" fork server"):  # forked: same command line
                return parent.role.removesuffix(" fork server") + " worker"
            kind = "resource tracker" if "resource_tracker" in cmd else \
                "fork server" if "forkserver" in cmd else "worker"
            return f"{parent.role if parent else '?'} {kind}"
        if "serve.py" in cmd:
            return "site server"
        for command in ("crawl", "retag", "serve"):
            if f"pipeline.cli {command}" in cmd:
                return "datasette" if command == "serve" else command
        return cmd.split()[0].rsplit("/", 1)[-1] if cmd.strip() else "?"

    def by_role(self) -> dict[str, list[Proc]]:
        out: dict[str, list[Proc]] = {}
        for proc in self.procs.values():
            out.setdefault(proc.role, []).append(proc)
        return out

    def cpu(self, role: str) -> float:
        return sum(p.cpu_s for p in self.procs.values() if p.role == role)


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def _children(pid: int) -> list[int]:
    """The child processes of ``pid``, whichever of its threads started them."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += map(int, f.read().split())
        except OSError:
            continue
    return out


def _tree(root: int) -> tuple[dict[int, int], dict[int, list[str]]]:
    """Parents and stat fields of ``root``'s descendants, walking down from it."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid in _children(parent):
            fields = _stat(pid)
            if fields is not None:
                parents[pid], stats[pid] = parent, fields
                todo.append(pid)
    return parents, stats


def _scan() -> tuple[dict[int, int], dict[int, list[str]]]:
    """Parents and stat fields of every process of the machine."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (fields := _stat(int(name))) is not None:
            parents[int(name)], stats[int(name)] = int(fields[1]), fields
    return parents, stats


_HAS_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB; zeros once it is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm

