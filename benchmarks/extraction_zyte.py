"""``pipeline.extract`` against plain trafilatura on the Zyte article-extraction benchmark.

    python benchmarks/extraction_zyte.py [--bench DIR] [--worst N] [--json-out FILE]

The benchmark (181 real news/blog pages with their gold article bodies) and
its scorer live outside the repository, in
``../shared/benchmarks/extraction/``; both are read from there at run time,
never copied. Scoring is the scorer's own ``score_predictions`` (the dataset
authors' 4-gram precision/recall/F1), imported from ``evaluate.py``.

The bar: our clean-up must not cost more than 0.005 F1 against plain
``trafilatura.extract(html, include_comments=False)``, i.e. whatever it
removes on our news sites must not be real text elsewhere.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from pipeline.extract import extract  # noqa: E402

DEFAULT_BENCH = ROOT.parent / "shared" / "benchmarks" / "extraction"
TOLERANCE = 0.005


def load_scorer(bench: Path):
    """Import the benchmark's evaluate.py from where it lives."""
    spec = importlib.util.spec_from_file_location("zyte_evaluate", bench / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {bench / 'evaluate.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH,
                    help="folder holding evaluate.py and the dataset")
    ap.add_argument("--worst", type=int, default=10, help="list the N pages we lose most on")
    ap.add_argument("--json-out", type=Path, help="write both prediction sets here")
    args = ap.parse_args(argv)

    ev = load_scorer(args.bench)
    data = args.bench / "scrapinghub-article-extraction-benchmark"
    truth, pages = ev.load_dataset(data)
    ours: dict[str, dict[str, str]] = {}
    plain: dict[str, dict[str, str]] = {}
    t_ours = t_plain = 0.0
    for item_id, url, html in pages:
        t0 = time.perf_counter()
        got = extract(html, url)
        t_ours += time.perf_counter() - t0
        ours[item_id] = {"articleBody": got.text if got else ""}
        t0 = time.perf_counter()
        text = trafilatura.extract(html, include_comments=False)
        t_plain += time.perf_counter() - t0
        plain[item_id] = {"articleBody": text or ""}

    q_ours = ev.score_predictions(truth, ours)
    q_plain = ev.score_predictions(truth, plain)
    print(f"Zyte benchmark: {len(pages)} pages ({data})")
    print(f"{'':<16}{'P':>7}{'R':>7}{'F1':>7}{'±sd':>7}{'empty':>7}{'seconds':>9}")
    for name, q, t in (("ours", q_ours, t_ours), ("plain", q_plain, t_plain)):
        print(f"{name:<16}{q['precision']:>7.4f}{q['recall']:>7.4f}{q['f1']:>7.4f}{q['f1_sd']:>7.4f}"
              f"{q['empty_outputs']:>7}{t:>9.2f}")
    diff = q_ours["f1"] - q_plain["f1"]
    verdict = "OK" if diff >= -TOLERANCE else "WORSE than allowed"
    print(f"difference (ours - plain): {diff:+.4f}  -> {verdict} (tolerance {TOLERANCE})")

    per_page = []
    for item_id in sorted(truth):
        gold = truth[item_id].get("articleBody", "")
        a = ev.page_scores(gold, ours[item_id]["articleBody"])["f1"]
        b = ev.page_scores(gold, plain[item_id]["articleBody"])["f1"]
        per_page.append((a - b, a, b, item_id))
    per_page.sort()
    print(f"\npages where ours loses most (4-gram F1 ours / plain), {args.worst} shown:")
    for d, a, b, item_id in per_page[: args.worst]:
        if d >= 0:
            break
        print(f"  {d:+.3f}  {a:.3f} / {b:.3f}  {item_id}")
    print(f"pages better / worse / same: {sum(d > 0 for d, *_ in per_page)} / "
          f"{sum(d < 0 for d, *_ in per_page)} / {sum(d == 0 for d, *_ in per_page)}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"ours": ours, "plain": plain}, ensure_ascii=False))
    return 0 if diff >= -TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
