"""Name keys: when two ways of writing an organisation name the same one.

Case, accents, punctuation and corporate suffixes ("Ltd", "SA", "Group") do
not make a different company. Used to label training candidates and to merge
organisations across articles.
"""

from __future__ import annotations

import re

from classifier.text import strip_accents

SUFFIXES = {"ltd", "limited", "plc", "inc", "llc", "sa", "sas", "sarl", "group", "groupe",
            "holdings", "holding", "corp", "corporation", "co", "company", "the", "pty",
            "ag", "gmbh", "nv", "bv", "spa", "srl", "lp", "llp"}


def name_key(name: str) -> str:
    """A comparison key for an organisation name."""
    words = re.sub(r"[^\w+&]+", " ", strip_accents(name).casefold()).split()
    kept = [w for w in words if w not in SUFFIXES]
    return " ".join(kept or words)


def same_name(name: str, names: list[str] | set[str]) -> bool:
    """True when ``name`` matches any of ``names`` by :func:`name_key`."""
    key = name_key(name)
    return any(key == name_key(n) for n in names)
