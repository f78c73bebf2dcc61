"""Tagging speed on one core and training time: the figures issue 3 asks for.

    python benchmarks/tagging.py [--repeat N]

Tags every labelled article we have (dev corpus bodies and our training
articles) once cold, then N times more, in one process on one core (model
loaded once, as ``dcradar retag`` and the crawl do); then, in a fresh
process state, half of the articles after a warm-up on the other half (the
steady state of a crawl, without repeats); and times ``dcradar train``'s
fit. Prints articles/s (wall clock and per CPU second: on a busy machine the
second is the fair one) and seconds; targets: >= 200 articles/s, < 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from classifier.model import fit
from classifier.tagger import Tagger
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, honestly
    docs = load_corpus_labels(BUNDLED_CORPUS) + load_training_articles()
    items = [(d.body, d.title, d.language) for d in docs] * args.repeat
    words = sum(len(text.split()) for text, _, _ in items) / len(items)
    tagger = Tagger()
    # The first pass meets every name and word for the first time (cold per-name caches,
    # place regexes compiled on first sight); later passes are the steady state of a crawl.
    n_docs = len(docs)
    started, cpu = time.perf_counter(), time.process_time()
    for at in range(0, n_docs, 200):
        tagger.tag_many(items[at:at + 200])
    print(f"tagging, first pass: {n_docs} articles in {time.perf_counter() - started:.2f} s "
          f"= {n_docs / (time.perf_counter() - started):.0f} articles/s "
          f"({n_docs / (time.process_time() - cpu):.0f} per CPU second)")
    started, cpu = time.perf_counter(), time.process_time()
    for at in range(0, len(items), 200):
        tagger.tag_many(items[at:at + 200])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"tagging: {len(items)} articles (mean {words:.0f} words) in {seconds:.2f} s "
          f"= {len(items) / seconds:.0f} articles/s on one core, "
          f"{len(items) / cpu:.0f} per CPU second (target >= 200)")
    # Articles this process has not seen, after a warm-up on others: a crawl's case (its
    # per-word caches are warm with the language, not with these very articles).
    fresh = Tagger()
    order = list(range(n_docs))
    random.Random(0).shuffle(order)
    warm, unseen = order[: n_docs // 2], order[n_docs // 2:]
    fresh.tag_many([items[i] for i in warm])
    started, cpu = time.perf_counter(), time.process_time()
    for at in range(0, len(unseen), 8):  # the crawl's batch size (pipeline/pool.py)
        fresh.tag_many([items[i] for i in unseen[at:at + 8]])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"tagging, unseen articles: {len(unseen)} in {seconds:.2f} s "
          f"= {len(unseen) / seconds:.0f} articles/s on one core, "
          f"{len(unseen) / cpu:.0f} per CPU second (batches of 8, process warmed up on the "
          f"other {len(warm)})")
    started = time.perf_counter()
    fit(docs)
    print(f"training: {len(docs)} documents in {time.perf_counter() - started:.1f} s "
          f"(target < 60 s)")


if __name__ == "__main__":
    main()
