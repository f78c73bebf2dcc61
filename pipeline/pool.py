"""A process pool for the CPU-bound stages, so they neither block the crawl nor use one core.

Scrapy runs every callback and item pipeline on one event loop in one
thread. Extraction (trafilatura, ~25-40 ms per real-size page) and tagging
(scikit-learn) are pure CPU work: done inline they stop downloading and
parsing while they run, and they never use the second core. Here they run in
worker processes instead (``concurrent.futures.ProcessPoolExecutor``); the
stages ``await`` the result on the asyncio reactor, so the loop keeps
fetching and parsing meanwhile. Scrapy's own back-pressure (the scraper
slot's 5 MB of responses in progress) bounds how many pages wait for a
worker, so memory stays flat however large the crawl.

``DCRADAR_WORKERS`` sets the number of workers: default the CPUs this
process may use, ``0`` runs the stages inline as before (also what happens
when the reactor is not asyncio's). ``DCRADAR_WORKER_NICE`` (default
:data:`WORKER_NICE`) is how much lower than the crawl's the workers'
scheduling priority is: see :data:`WORKER_NICE`.

Workers are forked from a fork server (``forkserver``; ``spawn`` where the
platform has none), never from the crawl process itself: never ``fork`` a
process that runs threads and a reactor. The fork server is a fresh
interpreter that imports the extractor and loads the tagger once
(:mod:`pipeline.preloaded_tagger`), so a worker starts with both in memory,
in milliseconds instead of a second of CPU each; ``dcradar crawl`` starts it
before it even imports Scrapy (:func:`start_fork_server`), on the core the
crawl's own start-up leaves idle. Workers ignore SIGINT/SIGTERM: a Ctrl-C or
a systemd stop reaches the whole process group, and the crawl's graceful
shutdown still needs its workers to finish the pages in flight. A worker
that dies (a crash in a C extension, the OOM killer) breaks the pool; the
pool is rebuilt and every page that was in flight is tried once more, so
only the page that kills a worker twice is lost, and it is recorded with a
reason like any broken page. A worker also ends when the crawl process is
gone (killed with SIGKILL): nothing is left running.

Only article pages go to the workers; listings, feeds and sitemaps have
nothing to extract and are stored at once (:class:`pipeline.stages.ExtractStage`).
Tagging goes in small batches (:class:`TagBatcher`), and the spider's calls
(page analysis, feeds) several to a worker call while the workers are busy
(:class:`CallBatcher`). ``dcradar retag`` uses the same workers, without the
extractor (:mod:`pipeline.retag`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import hashlib
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

try:  # ISA-L's gzip (the ``isal`` package): plain gzip out, any gzip reader reads it
    from isal.igzip import compress as _gzip_compress
except ImportError:  # pragma: no cover - a platform without its wheels: zlib's gzip
    from gzip import compress as _gzip_compress

logger = logging.getLogger(__name__)

#: gzip level of the stored raw HTML (``pages.html_gz``). Level 1 compresses real news
#: pages 4.3x where 6 does 5.1x, in a third of the time (2 ms a page instead of 6, on
#: the Zyte benchmark pages): 18 % more bytes on disk for 4 % of the pipeline's CPU.
#: ISA-L's level 1 (``isal``) writes the same format, 4.34x on those pages, in 0.36 ms not 1.46.
HTML_GZ_LEVEL = 1
#: How much nicer (nice(2)) than the process that starts them the workers run. That
#: process is the only one feeding them: it fetches, sends the pages, receives the
#: results and stores them. The kernel's fair share gave it a third of two cores
#: just when it had the most to do (a burst of responses, a commit), and then both
#: workers waited for it. At a lower priority the workers take what it leaves: on
#: the 1k benchmark mirror, crawls 1-3 % shorter in four batches of five (medians of
#: interleaved crawls; benchmarks/RESULTS.md), the store's CPU
#: 0.96 -> 0.79 ms a page. The workers also give way to whatever else the machine
#: serves. ``dcradar retag``'s workers, fed by its own process, run so too.
WORKER_NICE = 10
#: prctl(2) option: a signal for this process when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Fields of a page item a worker needs to extract it (the rest stays in the crawl process).
PAGE_FIELDS = ("kind", "body", "encoding", "final_url", "source", "language", "prune_xpaths")


def stored_body(body: bytes) -> tuple[str, bytes]:
    """What ``pages`` keeps of a raw body: its SHA-256 (hex) and its gzip at ``HTML_GZ_LEVEL``."""
    return hashlib.sha256(body).hexdigest(), _gzip_compress(body, compresslevel=HTML_GZ_LEVEL)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(settings: Any) -> int:
    """``DCRADAR_WORKERS`` from Scrapy settings (or a dict); default: the available CPUs."""
    value = settings.get("DCRADAR_WORKERS") if settings is not None else None
    if value in (None, ""):
        return available_cpus()
    return max(0, int(value))


# --------------------------------------------------------------------------- worker side

_TAGGER: Any = None
_TAGGER_ERROR: str | None = None
#: What the fork server imports before it forks a worker (:func:`start_fork_server`).
EXTRACTOR_MODULES = ("pipeline.extract", "pipeline.stages", "pipeline.analyse")
TAGGER_MODULES = ("pipeline.preloaded_tagger",)


def _init_worker(load_tagger: bool, load_extractor: bool = True,
                 parent: int | None = None, forked: bool = False, nice: int = 0) -> None:
    """Worker initializer: survive the signals meant for the crawl, not the crawl itself;
    have the extractor and the model loaded (by the fork server already, when ``forked``).

    ``parent`` is the crawl process's pid, taken there: the crawl may die while
    this worker is still starting, and then ``os.getppid()`` here would already
    name init (or a subreaper), and the worker would wait for the wrong process.
    A ``forked`` worker's parent is the fork server, which ends when the crawl
    does (the pipe it watches closes), and this worker with it. ``nice`` is
    added to the worker's niceness (:data:`WORKER_NICE`).
    """
    global _TAGGER, _TAGGER_ERROR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid() if parent is None else parent
    watched = os.getppid()
    _die_with_parent()
    if os.getppid() != watched or not (watched == parent or forked and _exists(parent)):
        os._exit(0)  # the crawl is gone already
    if forked:
        _let_fork_server_end_with_crawl()
    threading.Thread(target=_exit_with_parent, args=(parent, watched), daemon=True,
                     name="parent-watch").start()
    if load_extractor:
        for name in EXTRACTOR_MODULES:  # trafilatura, lxml: imported before the first page
            importlib.import_module(name)
    if load_tagger:
        from pipeline import preloaded_tagger

        _TAGGER, _TAGGER_ERROR = preloaded_tagger.TAGGER, preloaded_tagger.ERROR
    # As in the crawl process (pipeline/crawl.py): what is loaded now lives as long as
    # the worker, and young collections every 700 allocations went through lxml's and
    # the tagger's churn, which reference counting frees anyway: 0.5 ms of GC a page
    # on the 1k benchmark's pages, 0.02 ms now.
    gc.freeze()
    gc.set_threshold(20_000)
    if nice > 0:
        with contextlib.suppress(OSError):  # lowering one's own priority is always allowed
            os.nice(nice)


def _exists(pid: int) -> bool:
    """True while process ``pid`` exists (and is one this user may signal: the crawl is)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGKILL to this worker when the crawl process dies.

    Immediate even while the worker is busy in C code (lxml, liblinear), where
    the watch thread cannot run. The kernel ties this to the *thread* that
    started the worker; a pool is only ever used from the thread that made it
    (the crawl's event loop, retag's loop), which lives as long as its process.
    Best effort: elsewhere the watch thread does it.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _exit_with_parent(parent: int, watched: int) -> None:
    """End this worker once the crawl process (``parent``) or its own parent (``watched``:
    the crawl, or the fork server) is gone (SIGKILL, OOM killer).

    Nothing else would: a worker waits on a queue whose write end it holds
    itself, so it never sees end-of-file, and it ignores SIGTERM.
    """
    while os.getppid() == watched and (parent == watched or _exists(parent)):
        time.sleep(0.5)
    os._exit(0)


def _let_fork_server_end_with_crawl() -> None:
    """Close this worker's copy of the pipe whose end tells the fork server that the crawl
    process is gone.

    multiprocessing hands it to every process it forks, so while any worker
    lives the server never sees the crawl end, and the workers' parent-death
    signal (:func:`_die_with_parent`), sent when the server ends, never comes.
    The attribute is CPython's own: where it is missing, the watch thread
    still ends the worker.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None


def _noop() -> int:
    return os.getpid()


def run_each(fn: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[tuple[bool, Any]]:
    """Worker: ``fn(*args)`` for each ``args`` of ``calls``, in order; never raises.

    ``(True, result)`` or ``(False, traceback text)`` for each call: one that
    raises costs no other (:class:`CallBatcher`).
    """
    out: list[tuple[bool, Any]] = []
    for args in calls:
        try:
            out.append((True, fn(*args)))
        except Exception:
            out.append((False, traceback.format_exc()))
    return out


def prepare_page(page: dict[str, Any]) -> dict[str, Any]:
    """Worker: the compressed body and its hash; for an article page, its article too.

    Returns ``html_gz``, ``body_sha256``, ``cpu`` (seconds per step) and, for
    an article page, ``article`` (or None), ``reason`` and ``encoding`` as
    :func:`pipeline.stages.article_record` sets them, or ``error`` with the
    traceback when extraction raised.
    """
    started = time.process_time()
    digest, html_gz = stored_body(page["body"])
    out: dict[str, Any] = {"html_gz": html_gz, "body_sha256": digest, "cpu": {}}
    now = time.process_time()
    out["cpu"]["compress"] = now - started
    if page.get("kind") == "article":
        out.update(article_result(page))
        out["cpu"]["extract"] = time.process_time() - now
    return out


def article_result(page: dict[str, Any], tree: Any = None) -> dict[str, Any]:
    """Worker: :func:`pipeline.stages.article_record` on a copy of ``page`` (from ``tree``
    when the page is parsed already); ``article``, ``reason`` and ``encoding`` as it sets
    them, or ``error`` and ``traceback`` when it raised. Never raises."""
    from pipeline.stages import article_record

    page = dict(page)
    out: dict[str, Any] = {}
    try:
        out["article"] = article_record(page, tree)
    except Exception as exc:  # reported to the crawl process, which logs and records it
        out["article"] = None
        out["error"] = f"extraction-error: {type(exc).__name__}"
        out["traceback"] = traceback.format_exc()
    out["reason"] = page.get("reason")
    out["encoding"] = page.get("encoding")
    return out


def tag_texts(items: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """Worker: ``Tagger.tag_many`` on the worker's model; never raises.

    ``status`` is ``ok`` (``results``), ``no-model`` (``error``: why the model
    did not load) or ``error`` (``error``: the traceback).
    """
    started = time.process_time()
    if _TAGGER is None:
        return {"status": "no-model", "error": _TAGGER_ERROR or "tagging is off in the workers"}
    try:
        results = _TAGGER.tag_many(items)
    except Exception:
        return {"status": "error", "error": traceback.format_exc()}
    return {"status": "ok", "results": results, "cpu": time.process_time() - started}


# --------------------------------------------------------------------------- crawl side


def start_fork_server(load_tagger: bool = True, load_extractor: bool = True
                      ) -> multiprocessing.context.BaseContext:
    """The context workers are started with; starts its fork server now, if not yet.

    The fork server imports what the workers need (the extractor, the tagger
    with its model) before it forks the first one, so start it as early as
    possible. The first call decides what it preloads; a worker that needs
    more loads it itself. Where the platform has no fork server, or it cannot
    start, ``spawn``: each worker loads everything itself.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    preload = [*(EXTRACTOR_MODULES if load_extractor else ()),
               *(TAGGER_MODULES if load_tagger else ())]
    context.set_forkserver_preload(preload)  # read when the server starts: only the first time
    try:
        forkserver.ensure_running()
    except OSError as exc:  # no Unix socket to listen on (a locked-down sandbox, /tmp full)
        logger.warning("no fork server for the workers (%s): each starts on its own", exc)
        return multiprocessing.get_context("spawn")
    return context


#: Pools of this process whose workers the fork server forks (:func:`_release_fork_server`).
_fork_server_pools = 0
_fork_server_pools_lock = threading.Lock()


def _release_fork_server() -> None:
    """One pool fewer needs the fork server; once none does, stop it, from a thread.

    A fork server otherwise lives as long as the process that started it, and
    its own exit is a Python shutdown with the extractor and the model loaded:
    70 to 105 ms after ``dcradar crawl`` has ended, that a caller reading the
    crawl's output waits for (the server holds its stdout), on one core. Stopped
    when the crawl's workers are done, it ends beside the projects rebuild. A
    pool started meanwhile waits for the lock and then starts a new server.
    """
    global _fork_server_pools
    with _fork_server_pools_lock:
        _fork_server_pools -= 1
        if _fork_server_pools:
            return
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is None:  # another CPython layout: the server ends with this process, as before
        return

    def stop_unused() -> None:
        with _fork_server_pools_lock, contextlib.suppress(OSError):  # gone already
            if not _fork_server_pools:
                stop()  # closes the pipe the server watches, and waits for it to exit

    threading.Thread(target=stop_unused, daemon=True, name="fork-server-stop").start()


class StagePool:
    """Worker processes for extraction and tagging, awaited from the asyncio loop."""

    def __init__(self, workers: int, *, load_tagger: bool = True, load_extractor: bool = True,
                 nice: int = WORKER_NICE):
        global _fork_server_pools
        self.workers = workers
        self.nice = nice
        self.load_tagger = load_tagger
        self.load_extractor = load_extractor
        self.restarts = 0
        self.users = 0  # stages of the crawl that share it (shared_pool, release_pool)
        self.in_flight = 0  # calls of run() not yet returned
        self._batchers: dict[Callable[..., Any], CallBatcher] = {}
        with _fork_server_pools_lock:  # not while a stopping server is still running
            self._executor = self._new_executor()
            self._forked = self.start_method == "forkserver"
            _fork_server_pools += self._forked

    def _new_executor(self) -> ProcessPoolExecutor:
        context = start_fork_server(self.load_tagger, self.load_extractor)
        self.start_method = context.get_start_method()
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                   initializer=_init_worker,
                                   initargs=(self.load_tagger, self.load_extractor, os.getpid(),
                                             self.start_method == "forkserver", self.nice))

    def warm_up(self) -> None:
        """Start every worker now instead of on the first pages, from a thread.

        Starting a worker waits until the fork server has loaded what it
        preloads (up to a second when the crawl has just begun): the crawl's
        event loop goes on meanwhile, fetching and reading the feeds, sitemaps
        and listings, which need no worker. That wait had half the machine idle
        at every crawl's start.
        """
        executor = self._executor

        def start() -> None:
            try:
                for _ in range(self.workers):
                    executor.submit(_noop)
            except RuntimeError:  # shut down before its workers started: nothing to do
                pass

        threading.Thread(target=start, daemon=True, name="workers-start").start()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker; a pool broken meanwhile is rebuilt and ``fn`` tried again.

        Raises ``BrokenProcessPool`` when the second try breaks the pool too:
        that call is what kills the workers.
        """
        self.in_flight += 1
        try:
            for attempt in (1, 2):
                executor = self._executor
                try:
                    return await asyncio.wrap_future(executor.submit(fn, *args))
                except BrokenProcessPool:
                    if attempt == 2:
                        raise
                    self._replace(executor)
            raise AssertionError("unreachable")
        finally:
            self.in_flight -= 1
            for batcher in self._batchers.values():
                batcher.room()

    @property
    def busy(self) -> bool:
        """Whether every worker has a call and one more waits: a call made now would wait
        in the executor's queue (``ProcessPoolExecutor`` queues one more than it has workers)."""
        return self.in_flight > self.workers

    def batcher(self, fn: Callable[..., Any]) -> CallBatcher:
        """The :class:`CallBatcher` of ``fn`` for this pool (one per function)."""
        batcher = self._batchers.get(fn)
        if batcher is None:
            batcher = self._batchers[fn] = CallBatcher(self, fn)
        return batcher

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """``fn(*args)`` in a worker, for callers without an event loop (no retry)."""
        return self._executor.submit(fn, *args)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if broken is not self._executor:
            return  # another caller has rebuilt it already
        self.restarts += 1
        logger.error("a worker process died; restarting the pool of %d workers", self.workers)
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._forked:
            self._forked = False
            _release_fork_server()


def _start(tasks: set[asyncio.Task], coro: Any) -> None:
    """Run ``coro`` as a task held in ``tasks`` until it ends: the event loop keeps only
    weak references to tasks, and one held by nothing else may vanish mid-way."""
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def _answer(batch: list[tuple[Any, asyncio.Future]],
            outcomes: Iterable[tuple[bool, Any]]) -> None:
    """Answer each call of ``batch`` still awaited with its outcome, in order:
    ``(True, result)`` or ``(False, exception to raise)``."""
    for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _fail(batch: list[tuple[Any, asyncio.Future]], exc: BaseException) -> None:
    """Every call of ``batch`` still awaited raises ``exc``."""
    _answer(batch, [(False, exc)] * len(batch))


class CallBatcher:
    """Calls of one worker function, sent several to one worker call while the workers are busy.

    Each call to the pool costs the crawl process over half a millisecond of
    CPU, whatever it carries: the executor's two threads pickle, send,
    receive and hand over, and each wakes the event loop's thread (0.76 s of
    CPU in those threads for the 1k benchmark's 1,200 calls). While every
    worker has a call and one more waits (``busy``), a call made now would
    wait in the executor's queue anyway; it waits here instead, and when a
    call of the pool returns, the calls waiting here go together, up to
    ``size`` in one worker call (:func:`run_each`). A batch adds no latency:
    a call goes at once whenever the workers have room. In a 1k benchmark
    crawl the spider's page analyses then went four to a call in 260 of 268
    batches, and interleaved crawls took 3.6-4 % less time and 4 % less CPU.

    A call sent alone raises what :meth:`StagePool.run` raises; one sent in a
    batch that raises in the worker raises :class:`WorkerError` with its
    traceback, for that call alone. When a batch breaks the pool twice
    (:meth:`StagePool.run`), its calls are made again one by one, so that only
    the call that kills a worker fails with ``BrokenProcessPool``.
    """

    def __init__(self, pool: StagePool, fn: Callable[..., Any], size: int = 4):
        self.pool = pool
        self.fn = fn
        self.size = size
        self._waiting: list[tuple[tuple[Any, ...], asyncio.Future]] = []
        self._sending: set[asyncio.Task] = set()  # batches on their way (_start)

    async def run(self, *args: Any) -> Any:
        """``fn(*args)`` in a worker, as :meth:`StagePool.run`; when the call went in a
        batch and ``fn`` raised there, :class:`WorkerError`."""
        if not self._waiting and not self.pool.busy:
            return await self.pool.run(self.fn, *args)
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((args, future))
        return await future

    def room(self) -> None:
        """A call of the pool returned: the calls waiting here go, ``size`` at most in one.

        One batch per returned call: the batch takes the room that call left.
        """
        if self._waiting and not self.pool.busy:
            batch, self._waiting = self._waiting[:self.size], self._waiting[self.size:]
            _start(self._sending, self._send(batch))

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future]]) -> None:
        if len(batch) == 1:
            (args, future), = batch
            try:
                result = await self.pool.run(self.fn, *args)
            except BaseException as exc:
                _fail(batch, exc)
                return
            _answer(batch, [(True, result)])
            return
        try:
            done = await self.pool.run(run_each, self.fn, [args for args, _ in batch])
        except Exception:
            for one in batch:  # find the culprit: each call on its own
                await self._send([one])
            return
        except BaseException as exc:
            _fail(batch, exc)
            return
        _answer(batch, ((ok, value if ok else WorkerError(value)) for ok, value in done))


class WorkerError(Exception):
    """A call that raised in a worker process; the message is its traceback there."""


class TagBatcher:
    """Articles to tag, sent to the workers a few at a time.

    One round trip for several articles; and a worker then tags several
    articles in a row instead of one after each extraction, which keeps the
    tagger's data in the CPU's cache: tagging each article in the call that
    extracted it cost the workers 0.9 ms a page more on the 1k benchmark
    (the tagger alone, in a loop, costs the same per article in batches of 8
    or 1). A batch goes when it is full, or ``wait_s`` after its first
    article, or at once when the pool has no call in flight: then no article
    is on its way to fill the batch, and the workers would wait with it (the
    last articles of every crawl did, 50 ms). When a batch fails, its articles
    are tagged one by one, so that one bad article costs only its own tags, as
    inline.
    """

    def __init__(self, pool: StagePool, size: int = 8, wait_s: float = 0.05,
                 on_cpu: Callable[[float], None] = lambda seconds: None):
        self.pool = pool
        self.size = size
        self.wait_s = wait_s
        self.on_cpu = on_cpu
        self._pending: list[tuple[tuple[str, str, str | None], asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task] = set()  # batches on their way (_start)

    async def tag(self, text: str, title: str, language: str | None) -> dict[str, Any]:
        """``{"status": "ok", "result": (tags, mentions)}``, or ``no-model`` / ``error``
        with ``error``; raises ``BrokenProcessPool`` as :meth:`StagePool.run` does."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append(((text, title, language), future))
        if len(self._pending) >= self.size or not self.pool.in_flight:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.wait_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            _start(self._sending, self._run(batch))

    async def _run(self, batch: list[tuple[tuple[str, str, str | None], asyncio.Future]]
                   ) -> None:
        try:
            done = await self.pool.run(tag_texts, [args for args, _ in batch])
            if done["status"] == "error" and len(batch) > 1:
                for one in batch:  # find the culprit: each article on its own
                    await self._run([one])
                return
        except BaseException as exc:
            _fail(batch, exc)
            return
        if done["status"] == "ok":
            self.on_cpu(done["cpu"])
            _answer(batch, ((True, {"status": "ok", "result": result})
                            for result in done["results"]))
        else:
            failed = {"status": done["status"], "error": done["error"]}
            _answer(batch, [(True, dict(failed)) for _ in batch])


def shared_pool(crawler: Any) -> StagePool | None:
    """The crawl's pool, started by the first stage that asks; None when stages run inline.

    Every stage that gets a pool here must call :func:`release_pool` when it
    closes; the last release shuts the workers down.
    """
    pool = getattr(crawler, "dcradar_pool", None)
    if pool is None:
        workers = worker_count(getattr(crawler, "settings", None))
        if workers == 0:
            return None
        from scrapy.utils.asyncio import is_asyncio_available

        try:
            asyncio_ok = is_asyncio_available()
        except RuntimeError:  # no reactor at all: a writer outside Scrapy (dcradar ingest)
            asyncio_ok = False
        if not asyncio_ok:
            logger.info("no asyncio reactor: extraction and tagging run inline")
            return None
        load_tagger = crawler.settings.getbool("DCRADAR_TAG", True)
        nice = crawler.settings.getint("DCRADAR_WORKER_NICE", WORKER_NICE)
        pool = StagePool(workers, load_tagger=load_tagger, nice=nice)
        pool.warm_up()
        crawler.dcradar_pool = pool
        logger.info("extraction and tagging run in %d worker processes", workers)
    pool.users += 1
    return pool


def release_pool(crawler: Any) -> None:
    """One stage is done with the crawl's pool; the last one shuts it down."""
    pool = getattr(crawler, "dcradar_pool", None)
    if pool is None:
        return
    pool.users -= 1
    if pool.users <= 0:
        pool.shutdown()
        crawler.dcradar_pool = None
