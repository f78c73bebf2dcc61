"""Labelled documents for training and evaluation.

Two sources, one shape: a corpus's ``labels.jsonl`` (gold body and tags per
article page, FORMAT.md) and our own ``classifier/training/*.jsonl`` articles
(written from real announcements: facts only, our own sentences). Each
document carries a ``group`` (corpus site or training file) so that
cross-validation can hold out whole sites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TRAINING_DIR = Path(__file__).resolve().parent / "training"
TAG_KEYS = ("relevant", "operators", "investors", "countries", "capacity_mw", "cities", "event",
            "investment_usd")


@dataclass
class LabelledDoc:
    """One article with its gold tags."""

    title: str
    body: str
    language: str | None
    labels: dict[str, Any]
    group: str
    aliases: dict[str, list[str]] = field(default_factory=dict)
    optional: dict[str, list] = field(default_factory=dict)
    key: tuple[str, str] | None = None   # (site, path) for corpus pages

    def names(self, field_name: str) -> list[set[str]]:
        """Gold names of ``field_name``, each with its aliases."""
        return [{n, *self.aliases.get(n, [])} for n in self.labels.get(field_name) or []]


def load_corpus_labels(corpus: Path) -> list[LabelledDoc]:
    """The labelled article pages of a corpus (its ``labels.jsonl``)."""
    docs = []
    for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        docs.append(_doc(item, item["body"], item["site"], (item["site"], item["path"])))
    return docs


def load_training_articles(folder: Path = TRAINING_DIR) -> list[LabelledDoc]:
    """Our own labelled articles, grouped by file."""
    docs = []
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                docs.append(_doc(item, item["text"], f"training:{file.stem}", None))
    return docs


def _doc(item: dict, body: str, group: str, key) -> LabelledDoc:
    return LabelledDoc(title=item.get("title") or "", body=body, language=item.get("language"),
                       labels={k: item.get(k) for k in TAG_KEYS}, group=group,
                       aliases=item.get("aliases") or {}, optional=item.get("optional") or {},
                       key=key)
