"""Kill a crawl half way (SIGTERM, SIGKILL), run it again: same rows as an uninterrupted crawl.

The uninterrupted crawl is the suite's shared one (``crawled``), of the same
served sites, so URLs match. Half way is observed in serve.py's request log.
"""

from __future__ import annotations

import signal
import subprocess

import pytest
from nightly_support import (
    CorpusServer,
    copy_corpus,
    crawl_cmd,
    port_free,
    query,
    snapshot,
    wait_for,
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_crawl_resumes_to_the_same_rows(sig, crawled, sample_server, tmp_path):
    baseline = snapshot(crawled)
    total = query(crawled, "SELECT count(*) FROM pages")[0][0]
    db = tmp_path / "resumed.db"
    start = len(sample_server.requests())
    # The log goes to a file, not a pipe: after SIGKILL, the crawl's worker processes may
    # hold the pipe open for a moment after the crawl itself is gone.
    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(crawl_cmd(sample_server.sources, db), stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    try:
        wait_for(lambda: len(sample_server.requests()) - start >= total // 2 or
                 proc.poll() is not None, 120, "half of the crawl")
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    first_segment = len(sample_server.requests()) - start
    stored = query(db, "SELECT count(*) FROM pages")[0][0]
    assert 0 < stored < total, (stored, total)
    [(run_id, state, segments)] = query(db, "SELECT run_id, state, segments FROM runs")
    assert state == ("interrupted" if sig == signal.SIGTERM else "running")

    mark = len(sample_server.requests())
    again = subprocess.run(crawl_cmd(sample_server.sources, db), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming run {run_id}" in again.stderr
    assert query(db, "SELECT run_id, state, segments FROM runs") == [(run_id, "finished", 2)]
    resumed = snapshot(db)
    # On failure, say which rows differ: a whole-set repr is cut short by pytest.
    for table in ("pages", "articles", "redirects"):
        extra, missing = resumed[table] - baseline[table], baseline[table] - resumed[table]
        assert not (extra or missing), (table, sorted(extra, key=repr)[:10],
                                        sorted(missing, key=repr)[:10])
    # Pages completed before the kill were replayed from storage, not fetched again.
    second_segment = len(sample_server.requests()) - mark
    replayed = query(db, "SELECT count(*) FROM pages WHERE run_id = ?", run_id)[0][0]
    assert replayed == query(db, "SELECT count(*) FROM pages")[0][0]
    assert second_segment < total - stored // 2, (first_segment, second_segment, stored)
    articles = query(db, "SELECT sum(articles_new) FROM crawl_runs WHERE run_id = ?", run_id)
    assert articles[0][0] <= len(baseline["articles"])


def test_which_url_of_a_redirect_is_reached_first_changes_no_snapshot(crawled, sample_server,
                                                                      tmp_path):
    """The allowance :func:`nightly_support.snapshot` makes, shown on the other order.

    In dev-a, an article on listing page 2 links A, which answers 301 to B; B is
    listed on page 3. Page 3 made slow, A is reached first and followed to B.
    """
    corpus = copy_corpus(tmp_path / "corpus")
    behaviour = corpus / "sites" / "dev-a" / "_behaviour.yaml"
    behaviour.write_text(behaviour.read_text() + "/page/3/: {delay_s: 6}\n")
    server = CorpusServer(corpus, tmp_path)
    db = tmp_path / "slow.db"
    try:
        done = subprocess.run(crawl_cmd(server.sources, db), capture_output=True, text=True,
                              timeout=300)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    base = server.bases["dev-a"]
    a = f"{base}/2022/06/onix-accra-data-centre-opens/"
    b = f"{base}/2022/06/onix-accra-1-tier-iv-data-centre-amrahia/"
    assert query(db, "SELECT final_url, status FROM pages WHERE url = ?", a) == [(b, 200)]
    assert query(db, "SELECT count(*) FROM pages WHERE url = ?", b) == [(0,)]
    assert port_free(snapshot(db), server.bases) == port_free(snapshot(crawled),
                                                              sample_server.bases)
