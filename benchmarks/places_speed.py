"""Throughput of ``classifier.places.find_places`` on synthetic news-like texts.

    python benchmarks/places_speed.py [--texts 1000] [--size 5000] [--seed 7]

The tagger must handle at least 200 articles a second end to end, so place
matching should cost well under a millisecond per 5 KB article. The texts are
built from English and French filler prose (lower-case words, capitalised
sentence starts, organisation names, figures, curly apostrophes and accents)
with a place name, alias or demonym from the gazetteer every twenty words or
so, which is denser than real articles. The one-off load (CSV parsing and
compiling the matcher) is reported apart from the per-text cost.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier import places  # noqa: E402

_EN = ("the data centre operator said on Tuesday that construction of its new facility "
      "would start next year with an initial capacity of megawatts and room to expand "
      "as demand for cloud services grows across the region while investors including "
      "development finance institutions back the project which will connect to subsea "
      "cables and offer colocation to banks telecom carriers and hyperscalers")
_FR = ("l’opérateur a annoncé mardi que la construction de son nouveau centre de données "
       "débutera l’an prochain avec une capacité initiale de mégawatts et une extension "
      "prévue pour répondre à la demande croissante en services cloud tandis que les "
      "investisseurs dont des institutions de financement du développement soutiennent "
      "le projet qui sera relié aux câbles sous-marins")
EN = _EN.split()
FR = _FR.split()
ORGS = ["MainOne", "Teraco", "Raxio", "Africa Data Centres", "Equinix", "OADC", "iXAfrica",
        "Khazna", "Orange", "MTN", "Liquid", "PAIX", "Onix", "N+ONE", "Medallion"]


def place_words() -> list[str]:
    """Surface forms to sprinkle: country names and aliases, demonyms, cities and aliases."""
    words: list[str] = []
    for c in places.all_countries():
        words += [c.name_en, c.name_fr, *c.aliases[:3], *c.demonyms[:3]]
    for c in places.all_cities():
        words.append(c.name)
    return [w for w in words if w]


def make_texts(n: int, size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = place_words()
    texts = []
    for i in range(n):
        vocab = FR if i % 2 else EN
        out: list[str] = []
        length = 0
        start = True
        while length < size:
            r = rng.random()
            if r < 0.05:
                w = rng.choice(names)
            elif r < 0.08:
                w = rng.choice(ORGS)
            elif r < 0.10:
                w = f"{rng.randint(1, 500)}MW"
            else:
                w = rng.choice(vocab)
            if start:
                w = w[:1].upper() + w[1:]
                start = False
            if rng.random() < 0.07:
                w += "."
                start = True
            out.append(w)
            length += len(w) + 1
        texts.append(" ".join(out)[:size])
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--size", type=int, default=5000, help="characters per text")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    places.find_places("warm-up: Lagos")
    load = time.perf_counter() - t0
    texts = make_texts(args.texts, args.size, args.seed)
    chars = sum(map(len, texts))

    rounds = []
    matches = 0
    for _ in range(args.rounds):
        t = time.perf_counter()
        matches = sum(len(places.find_places(text)) for text in texts)
        rounds.append(time.perf_counter() - t)
    best = min(rounds)
    print(f"load (CSV + matcher compile): {load * 1000:.0f} ms")
    print(f"{len(texts)} texts of {args.size} chars ({chars / 1e6:.1f} MB), "
          f"{matches} matches ({matches / len(texts):.1f} per text)")
    print(f"best of {args.rounds}: {best:.3f} s = {len(texts) / best:,.0f} texts/s, "
          f"{best / len(texts) * 1000:.3f} ms per text, {chars / best / 1e6:.1f} MB/s "
          f"(median round {statistics.median(rounds):.3f} s)")


if __name__ == "__main__":
    main()
