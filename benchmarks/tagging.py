"""Tagging speed on one core and training time: the figures issue 3 asks for.

    python benchmarks/tagging.py [--repeat N]

Tags every labelled article we have (dev corpus bodies and our training
articles), repeated N times, in one process on one core (model loaded
once, as ``dcradar retag`` and the crawl do), and times ``dcradar train``'s
fit. Prints articles/s and seconds; targets: >= 200 articles/s, < 60 s.
"""

from __future__ import annotations

import argparse
import os
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
    tagger.tag_many(items[:5])  # warm caches (gazetteer regex, lru caches)
    started = time.perf_counter()
    for at in range(0, len(items), 200):
        tagger.tag_many(items[at:at + 200])
    seconds = time.perf_counter() - started
    print(f"tagging: {len(items)} articles (mean {words:.0f} words) in {seconds:.2f} s "
          f"= {len(items) / seconds:.0f} articles/s on one core (target >= 200)")
    started = time.perf_counter()
    fit(docs)
    print(f"training: {len(docs)} documents in {time.perf_counter() - started:.1f} s "
          f"(target < 60 s)")


if __name__ == "__main__":
    main()
