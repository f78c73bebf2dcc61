"""Capacity and money figures: every MW/kW and every dollar amount in a text.

Which figure is the project's headline capacity or investment is decided by
a classifier from context ("IT load", "first phase", "solar plant",
"across Africa"); this module only finds and normalises the figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The leading digit stands alone (not as "\d{1,3}...|\d+") so that the regex engine
# can skip to the next digit in C: without a first character it can name, it tries
# the whole pattern at every position of the text (4x slower on articles).
_NUM = (r"(?P<whole>\d(?:\d{0,2}(?:[ \u00a0\u202f,.]\d{3})+|\d*))"
        r"(?:(?P<sep>[.,])(?P<frac>\d+))?")
_CAPACITY = re.compile(
    _NUM + r"\s*(?:-|–|to|à)?\s*"
    r"(?:(?P<unit>MW|megawatts?|mégawatts?|megawatt|GW|gigawatts?|kW|kilowatts?)"
    r"(?P<suffix>[a-zA-Z]*))\b",
    re.IGNORECASE)
#: The largest capacity taken as a figure, in MW (the largest power stations are ~20 GW).
MAX_MW = 100_000
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
          "mln": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "milliard": 1e9,
          "milliards": 1e9, "trillion": 1e12}
_DOLLAR_BEFORE = re.compile(
    r"(?P<cur>US\$|USD|U\.S\.\s?\$|\$|US dollars?)\s?" + _NUM +
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|milliards?|millions?|bn|mn|mln|m|b|k)\b)?",
    re.IGNORECASE)
_DOLLAR_AFTER = re.compile(
    _NUM + r"\s?(?P<scale>thousand|million|billion|trillion|milliards?|millions?|bn|mn|m|b)?"
    r"\s?(?:de\s|d['’]\s?)?(?P<cur>dollars?\s?(?:américains|us|americains)?|USD|US\$|\$)",
    re.IGNORECASE)

_CURRENCY_HINT = re.compile(r"usd|dollar", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """A number found in the text, normalised to MW or to US dollars."""

    start: int
    end: int
    surface: str
    value: float


def _to_float(whole: str, sep: str | None, frac: str | None, french: bool) -> float:
    """Parse "1,4" (French decimal), "2,000" (English thousands), "1 000", "2.5"."""
    digits = re.sub(r"[ \u00a0\u202f]", "", whole)
    # Groups of exactly three digits ("2,000", "2.000", "2 000") are thousands in both
    # languages' press.
    digits = re.sub(r"[,.]", "", digits)
    value = float(digits)
    if sep and frac:
        if sep == "," and not french and len(frac) == 3:
            value = value * 1000 + float(frac)
        else:
            value += float(f"0.{frac}")
    return value


def capacities(text: str, french: bool = False) -> list[Figure]:
    """MW figures (kW and GW converted); solar "MWp/MWc" and energy "MWh" are left out."""
    out = []
    for m in _CAPACITY.finditer(text):
        suffix = (m.group("suffix") or "").lower()
        if suffix in ("h", "c", "p", "e", "hr") or suffix.startswith(("h", "c", "p")):
            continue
        unit = m.group("unit").lower()
        value = _to_float(m.group("whole"), m.group("sep"), m.group("frac"), french)
        if unit.startswith(("kw", "kilo")):
            value /= 1000
        elif unit.startswith(("gw", "giga")):
            value *= 1000
        value = round(value, 4)
        # Rounded first: "0.00004 MW" would otherwise be stored as a capacity of 0. Beyond
        # 100 GW a figure is a misread number ("1.000.000 MW"), not a facility.
        if 0 < value <= MAX_MW:
            out.append(Figure(m.start(), m.end(), m.group(0), value))
    return out


def dollar_amounts(text: str, french: bool = False) -> list[Figure]:
    """Amounts stated in US dollars, in dollars ("$90m", "US$1.2bn", "250 millions de dollars")."""
    out: list[Figure] = []
    taken: list[tuple[int, int]] = []
    # Every currency form holds "$", "usd" or "dollar": most texts are ruled out in one pass.
    if "$" not in text and not _CURRENCY_HINT.search(text):
        return out
    for pattern in (_DOLLAR_BEFORE, _DOLLAR_AFTER):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            cur = m.group("cur")
            # "$" preceded by a letter is another dollar (A$, C$, NZ$, HK$) unless it is US$.
            before = text[max(0, m.start() - 2):m.start()]
            if cur.startswith("$") and re.search(r"[A-Z]$", before):
                continue
            value = _to_float(m.group("whole"), m.group("sep"), m.group("frac"), french)
            scale = (m.group("scale") or "").lower()
            value *= _SCALE.get(scale, 1.0)
            if value >= 1000:
                taken.append((m.start(), m.end()))
                out.append(Figure(m.start(), m.end(), m.group(0), value))
    return sorted(out, key=lambda f: f.start)
