"""The plain gazetteer + regex tagger the models must beat, field by field.

It knows the names in its training labels and the places in the gazetteer,
and takes every match: what a keyword alert would do. Printed beside the
model by ``dcradar eval`` so that the models' value is measured, not assumed.
"""

from __future__ import annotations

import re
from typing import Any

from classifier import places
from classifier.cues import cue_names
from classifier.numbers import capacities, dollar_amounts
from classifier.training import LabelledDoc

_EVENT_RULES = (
    ("acquisition", re.compile(r"acqui|rach[eè]t|buys|bought", re.I)),
    ("funding", re.compile(r"fund|financ|invest|loan|prêt|levée", re.I)),
    ("opening", re.compile(r"open|inaugur|launch|commission|mise en service", re.I)),
    ("expansion", re.compile(r"expan|extension|étend", re.I)),
    ("partnership", re.compile(r"partner|partenariat|joint venture|accord", re.I)),
    ("new_build", re.compile(r"build|construct|break.? ground|construire|première pierre", re.I)),
)


class Baseline:
    """Gazetteers of operator and investor names from training labels, plus regexes."""

    def __init__(self, docs: list[LabelledDoc]):
        self.names: dict[str, dict[str, str]] = {"operators": {}, "investors": {}}
        for doc in docs:
            for field_name in ("operators", "investors"):
                for names in doc.names(field_name):
                    canonical = sorted(names, key=len)[-1]
                    for name in names:
                        if len(name) >= 3:
                            self.names[field_name][name] = canonical
        self.patterns = {
            f: re.compile(r"\b(" + "|".join(sorted(map(re.escape, n), key=len, reverse=True))
                          + r")\b") if n else None
            for f, n in self.names.items()}

    def tag(self, title: str, body: str, language: str | None = None) -> dict[str, Any]:
        text = f"{title}\n\n{body}"
        matches = places.find_places(text)
        african = [m for m in matches if m.code and places.is_african(m.code)]
        relevant = "dc" in cue_names(text) and bool(african)
        tags: dict[str, Any] = {"relevant": relevant, "operators": [], "investors": [],
                                "countries": [], "capacity_mw": None, "cities": [],
                                "event": "other", "investment_usd": None}
        if not relevant:
            return tags
        for field_name, pattern in self.patterns.items():
            if pattern is not None:
                found = {self.names[field_name][m.group(1)] for m in pattern.finditer(text)}
                tags[field_name] = sorted(found)
        tags["countries"] = sorted({m.code for m in african})
        tags["cities"] = sorted({m.city.name for m in african if m.kind == "city" and m.city})
        french = (language or "").startswith("fr")
        caps = capacities(text, french)
        tags["capacity_mw"] = caps[0].value if caps else None
        money = dollar_amounts(text, french)
        tags["investment_usd"] = money[0].value if money else None
        for event, pattern in _EVENT_RULES:
            if pattern.search(title or text[:300]):
                tags["event"] = event
                break
        return tags
