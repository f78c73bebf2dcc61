"""Extraction quality of ``pipeline.extract`` on a labelled corpus, beside plain trafilatura.

    python benchmarks/extraction_dev.py [CORPUS] [--worst N] [--site SITE] [--show PATH]

For every label of CORPUS/labels.jsonl (default ../shared/corpus/dev) the
page file is read from disk, ``{{BASE}}`` is replaced by a local base URL,
and the page goes through ``extract()`` as the crawler would hand it over:
pages that the corpus server re-encodes (``charset`` in ``_behaviour.yaml``)
are given as bytes in that charset with the declared encoding. Text is
scored like ``corpus/score.py`` does (lower-cased ``\\w+`` tokens, multiset
overlap against the gold ``body``); title, published and language are
compared case- and space-insensitively. Plain
``trafilatura.extract(include_comments=False)`` is scored alongside, so a
change can be judged against the yardstick, not in the void.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from pipeline.extract import extract  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
BASE = "http://127.0.0.1:8000"
META = ("title", "published", "language")


def tokens(text: str | None) -> Counter:
    """The tokens score.py counts."""
    return Counter(re.findall(r"\w+", (text or "").casefold()))


def prf(gold_text: str, got_text: str | None) -> tuple[float, float, float]:
    """Token precision, recall, F1 exactly as score.py computes them."""
    gold, got = tokens(gold_text), tokens(got_text)
    common = sum((gold & got).values())
    p = common / sum(got.values()) if got else 0.0
    r = common / sum(gold.values()) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def same_text(a: object, b: object) -> bool:
    return " ".join(str(a or "").casefold().split()) == " ".join(str(b or "").casefold().split())


def page_file(corpus: Path, site: str, path: str) -> Path:
    """The file a static host serves for ``path`` (``/a/b/`` → ``a/b/index.html``)."""
    p = corpus / "sites" / site / path.lstrip("/")
    return p / "index.html" if p.is_dir() else p


def charsets(corpus: Path, site: str) -> dict[str, str]:
    """Paths that serve.py re-encodes, from the site's ``_behaviour.yaml``."""
    file = corpus / "sites" / site / "_behaviour.yaml"
    if not file.exists():
        return {}
    try:
        import yaml
        rules = yaml.safe_load(file.read_text()) or {}
    except Exception:
        return {}
    return {path: rule["charset"] for path, rule in rules.items()
            if isinstance(rule, dict) and rule.get("charset")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--worst", type=int, default=10, help="list the N worst pages (default 10)")
    ap.add_argument("--site", help="only this site")
    ap.add_argument("--show", help="print gold and extracted text of pages whose path has this")
    ap.add_argument("--no-baseline", action="store_true", help="skip plain trafilatura")
    args = ap.parse_args(argv)

    labels = [json.loads(line) for line in (args.corpus / "labels.jsonl").read_text().splitlines()
              if line.strip()]
    if args.site:
        labels = [x for x in labels if x["site"] == args.site]
    rows = []
    t_ours = t_plain = 0.0
    recoded: dict[str, dict[str, str]] = {}
    for x in labels:
        site, path = x["site"], x["path"]
        if site not in recoded:
            recoded[site] = charsets(args.corpus, site)
        html = page_file(args.corpus, site, path).read_text("utf-8").replace("{{BASE}}", BASE)
        url = f"{BASE}{path}"
        charset = recoded[site].get(path)
        page: str | bytes = html.encode(charset, errors="xmlcharrefreplace") if charset else html

        t0 = time.perf_counter()
        got = extract(page, url, encoding=charset)
        t_ours += time.perf_counter() - t0
        text = got.text if got else ""
        p, r, f = prf(x["body"], text)
        meta = {k: same_text(getattr(got, k, None), x[k]) for k in META}
        if args.no_baseline:
            pf = 0.0
        else:
            t0 = time.perf_counter()
            plain = trafilatura.extract(html, include_comments=False)
            t_plain += time.perf_counter() - t0
            pf = prf(x["body"], plain)[2]
        rows.append({"site": site, "path": path, "p": p, "r": r, "f1": f, "plain_f1": pf, **meta,
                     "got": got})
        if args.show and args.show in path:
            print(f"--- gold {site}{path}\n{x['body']}\n--- ours (P {p:.3f} R {r:.3f} F1 {f:.3f})")
            print(text)
            if got:
                print(f"--- title {got.title!r} | published {got.published} | language "
                      f"{got.language} | author {got.author!r} | canonical {got.canonical_url}")
            print(f"--- gold title {x['title']!r} | published {x['published']} | "
                  f"language {x['language']}")

    if not rows:
        print("no labelled pages")
        return 1
    n = len(rows)

    def mean(key: str, subset: list[dict] | None = None) -> float:
        sub = rows if subset is None else subset
        return statistics.mean(float(r[key]) for r in sub)

    print(f"corpus {args.corpus} — {n} labelled pages")
    print(f"{'':<22}{'ours':>8}{'plain':>8}")
    print(f"{'mean token F1':<22}{mean('f1'):>8.4f}{mean('plain_f1'):>8.4f}")
    print(f"{'pages F1 < 0.90':<22}{sum(r['f1'] < 0.9 for r in rows):>8}"
          f"{sum(r['plain_f1'] < 0.9 for r in rows):>8}")
    print(f"{'mean precision':<22}{mean('p'):>8.4f}")
    print(f"{'mean recall':<22}{mean('r'):>8.4f}")
    for key in META:
        print(f"{key + ' accuracy':<22}{mean(key):>8.4f}")
    print(f"{'seconds (extract)':<22}{t_ours:>8.2f}{t_plain:>8.2f}")
    print("\nper site:  F1 ours / plain, pages < 0.9 ours / plain, title/published/language")
    for site in sorted({r["site"] for r in rows}):
        sub = [r for r in rows if r["site"] == site]
        print(f"  {site:<10} {mean('f1', sub):.4f} / {mean('plain_f1', sub):.4f}   "
              f"{sum(r['f1'] < 0.9 for r in sub):>2} / "
              f"{sum(r['plain_f1'] < 0.9 for r in sub):>2}   "
              f"{mean('title', sub):.2f} {mean('published', sub):.2f} {mean('language', sub):.2f}")
    print(f"\nworst {args.worst} pages (ours):")
    for r in sorted(rows, key=lambda r: r["f1"])[: args.worst]:
        print(f"  {r['f1']:.3f} (P {r['p']:.3f} R {r['r']:.3f}; plain {r['plain_f1']:.3f})  "
              f"{r['site']}{r['path']}")
    misses = [(r, k) for r in rows for k in META if not r[k]]
    if misses:
        print("\nmetadata misses:")
        gold = {(x["site"], x["path"]): x for x in labels}
        for r, k in misses:
            print(f"  {k:<9} {r['site']}{r['path']}: got {getattr(r['got'], k, None)!r}, "
                  f"gold {gold[(r['site'], r['path'])][k]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
