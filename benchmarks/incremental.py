#!/usr/bin/env python3
"""Figures of issue 5 (nightly crawls), from serve.py's request log.

    python benchmarks/incremental.py [--corpus DIR] [--port-base N] [--skip-redis]

Serves a temporary copy of the corpus (default: the bundled sample sites;
``--corpus ../shared/corpus/dev`` for the shared dev corpus) on fixed ports
(``--port-base``) with a request log, then measures:

1. first crawl vs second crawl of the unchanged corpus: requests, bytes sent by
   the server (second / first, target <= 10 %), articles re-processed (target 0);
2. after editing one article file: which articles were re-processed (target:
   exactly that one) and which paths got a full 200;
3. kill-and-resume with SIGTERM and with SIGKILL at ~50 % of the requests:
   rows equal to an uninterrupted crawl's (articles by URL, title, published,
   text hash, tags; pages by URL, status, reason);
4. two scale-out workers on one Redis frontier + one ingest writer: 2xx
   responses per article path (target: exactly 1) and rows equal to the
   single-process crawl (needs ``redis-server``; ``--skip-redis`` skips it).

Prints one line per figure; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from db.schema import TAG_COLUMNS  # noqa: E402

PY = sys.executable
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=8", "-s", "RETRY_BACKOFF_BASE=0.2"]


def note(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port_base(count: int) -> int:
    for base in range(18700, 60000, 50):
        socks = []
        try:
            for i in range(count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free block of ports")


class Server:
    def __init__(self, corpus: Path, tmp: Path, port_base: int):
        self.log = tmp / "requests.jsonl"
        self.sources = tmp / "sources.yaml"
        serve = REPO / "spiders" / "sample_sites" / "serve.py"
        self.proc = subprocess.Popen([PY, str(serve), str(corpus), "--port-base", str(port_base),
                                      "--log", str(self.log), "--sources-out", str(self.sources)],
                                     stdout=subprocess.PIPE, text=True)
        sites = [p for p in (corpus / "sites").iterdir() if p.is_dir()]
        self.bases = dict(self.proc.stdout.readline().split() for _ in sites)

    def mark(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0

    def since(self, mark: int) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()[mark:] if line]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def crawl(sources: Path, db: Path, command: str = "crawl") -> None:
    proc = subprocess.run([PY, "-m", "pipeline.cli", command, "--sources", str(sources),
                           "--db", str(db), *FAST], capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed:\n{proc.stderr[-3000:]}")


def snapshot(db: Path) -> dict[str, set]:
    conn = sqlite3.connect(db)
    tags = ", ".join(TAG_COLUMNS)
    out = {"articles": set(conn.execute(f"SELECT url, title, published, content_hash, {tags} "
                                        "FROM articles")),
           "pages": set(conn.execute("SELECT url, status, reason FROM pages"))}
    conn.close()
    return out


def last_run(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    run_id = conn.execute("SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC "
                          "LIMIT 1").fetchone()[0]
    cols = ["requests", "not_modified", "bytes", "reprocessed", "articles_new",
            "articles_updated", "articles_unchanged"]
    sums = conn.execute(f"SELECT {', '.join(f'sum({c})' for c in cols)} FROM crawl_runs "
                        "WHERE run_id = ?", [run_id]).fetchone()
    conn.close()
    return dict(zip(cols, sums, strict=True))


def killed_and_resumed(server: Server, tmp: Path, sig: signal.Signals, total: int) -> Path:
    db = tmp / f"resume-{sig.name}.db"
    mark = server.mark()
    proc = subprocess.Popen([PY, "-m", "pipeline.cli", "crawl", "--sources", str(server.sources),
                             "--db", str(db), *FAST], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while server.mark() - mark < total // 2 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    first = server.mark() - mark
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    conn.close()
    mark = server.mark()
    crawl(server.sources, db)
    note(f"  {sig.name}: killed after {first} requests ({stored} pages stored); "
         f"resumed with {server.mark() - mark} requests")
    return db


def redis_crawl(server: Server, tmp: Path) -> tuple[Path, list[dict]] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        note("redis-server not installed: scale-out figure skipped")
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redis_proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save",
                                   "", "--appendonly", "no", "--dir", str(tmp)],
                                  stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    time.sleep(0.5)
    db = tmp / "scaled.db"
    mark = server.mark()
    try:
        writer = subprocess.Popen([PY, "-m", "pipeline.cli", "ingest", "--db", str(db),
                                   "--redis", url, "--sources", str(server.sources)], cwd=REPO,
                                  stderr=subprocess.DEVNULL)
        workers = [subprocess.Popen([PY, "-m", "pipeline.cli", "worker", "--sources",
                                     str(server.sources), "--redis", url, "--run", "bench",
                                     *FAST], cwd=REPO, stderr=subprocess.DEVNULL)
                   for _ in range(2)]
        for proc in (*workers, writer):
            proc.wait(timeout=600)
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    return db, server.since(mark)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "spiders" / "sample_sites")
    parser.add_argument("--port-base", type=int, default=0)
    parser.add_argument("--skip-redis", action="store_true")
    args = parser.parse_args()
    labels = [json.loads(line) for line in (args.corpus / "labels.jsonl").read_text()
              .splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        corpus = tmp / "corpus"
        shutil.copytree(args.corpus, corpus)
        sites = len([p for p in (corpus / "sites").iterdir() if p.is_dir()])
        server = Server(corpus, tmp, args.port_base or free_port_base(sites))
        try:
            db = tmp / "nightly.db"
            note("crawl 1 (fresh database)")
            m0 = server.mark()
            crawl(server.sources, db)
            m1 = server.mark()
            note("crawl 2 (unchanged corpus)")
            crawl(server.sources, db)
            m2 = server.mark()
            second = last_run(db)
            first_log, second_log = server.since(m0)[: m1 - m0], server.since(m1)
            b1 = sum(r["bytes"] for r in first_log)
            b2 = sum(r["bytes"] for r in second_log)
            print(f"crawl 1: {len(first_log)} requests, {b1} bytes sent")
            print(f"crawl 2 (unchanged): {len(second_log)} requests "
                  f"({Counter(r['status'] for r in second_log)[304]} x 304), {b2} bytes sent "
                  f"= {100 * b2 / b1:.2f} % of crawl 1; articles re-processed: "
                  f"{second['reprocessed']}, new {second['articles_new']}, updated "
                  f"{second['articles_updated']}, unchanged {second['articles_unchanged']}")

            # Edit one sentence of the first label whose body text appears verbatim in its HTML.
            for label in labels:
                page = corpus / "sites" / label["site"] / label["path"].strip("/") / "index.html"
                html = page.read_text() if page.exists() else ""
                sentence = next((x for x in label["body"].split(". ")
                                 if len(x) > 40 and x in html), None)
                if sentence:
                    break
            else:
                raise SystemExit("found no article body to edit")
            page.write_text(html.replace(sentence, sentence + " (updated)", 1))
            note(f"crawl 3 (after editing {label['site']}{label['path']})")
            crawl(server.sources, db)
            third = last_run(db)
            full = sorted({f"{r['site']}{r['path']}" for r in server.since(m2)
                           if r["status"] == 200 and not r["path"].endswith("robots.txt")})
            conn = sqlite3.connect(db)
            changed = [u for (u,) in conn.execute(
                "SELECT url FROM article_versions WHERE version > 1")]
            conn.close()
            print(f"crawl 3 (one article edited): articles re-processed {third['reprocessed']}, "
                  f"updated {third['articles_updated']} ({', '.join(changed)}); "
                  f"full 200 responses: {', '.join(full)}")

            note("uninterrupted baseline crawl (fresh database)")
            baseline_db = tmp / "baseline.db"
            mark = server.mark()
            crawl(server.sources, baseline_db)
            total = server.mark() - mark
            baseline = snapshot(baseline_db)
            for sig in (signal.SIGTERM, signal.SIGKILL):
                resumed = snapshot(killed_and_resumed(server, tmp, sig, total))
                same = resumed == baseline
                print(f"kill at ~50 % with {sig.name} and resume: "
                      f"{len(resumed['articles'])} articles, {len(resumed['pages'])} pages; "
                      f"same rows as uninterrupted: {same}")

            if not args.skip_redis:
                result = redis_crawl(server, tmp)
                if result:
                    scaled_db, log = result
                    ok = Counter((r["site"], r["path"]) for r in log if 200 <= r["status"] < 300)
                    per_article = Counter(ok[(x["site"], x["path"])] for x in labels)
                    print(f"two Redis workers + one writer: 2xx per article path "
                          f"{dict(per_article)} (count: articles); same rows as "
                          f"single-process: {snapshot(scaled_db) == baseline}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
