"""Sentences and tokens for English and French news text.

No pretrained tokenizer is needed: news prose is regular enough that a few
rules (abbreviations, decimal points, initials) split sentences well, and the
role classifiers only need words with their character offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Abbreviations that end with a dot but do not end a sentence (EN and FR).
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "ltd", "co", "corp", "plc", "no",
    "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.a.e", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "m", "mme", "mlle", "me", "av", "bd", "cf",
    "approx", "est", "fig", "gen", "gov", "sen", "rep", "p", "pp", "vol", "s.a", "n.v",
}
_SENT_END = re.compile(r"[.!?…]+[\"'”»)]*\s+|\n\s*\n")
# French elisions ("l'", "d'", "qu'") and English possessives are tokens of their own,
# so "d'Abidjan" yields "Abidjan" and "N+ONE's" yields "N+ONE".
_WORD = re.compile(
    r"\b(?:[Qq]u|[LlDdJjNnSsMmTtCc])['’](?=\w)|['’]s\b"
    r"|[\w](?:[\w.&+]|-(?=[A-Z0-9À-Ý])|['’](?!s\b)(?=\w))*[\w+]|[\w]",
    re.UNICODE)


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it sits in the text."""

    start: int
    end: int
    text: str
    index: int


def _accent_table() -> dict[int, str]:
    table = {}
    for code in range(0xC0, 0x2B0):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and len(base) == 1:
            table[code] = base
    table[ord("’")] = "'"
    return table


_ACCENTS = _accent_table()
_ACCENTED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_ACCENTS)) + "]")


def _base(match: re.Match[str]) -> str:
    return _ACCENTS[ord(match.group())]


def strip_accents(text: str) -> str:
    """Remove diacritics (and curl apostrophes), keeping one character per character.

    A table built once covers the Latin letters of news text; that keeps
    offsets into the original text valid. ``str.translate`` with a table looks
    every character up (0.4 ms for a 4,000-character article); accented
    letters are a few percent of even French prose, so only they are looked
    up, found by a regex scan in C, and plain ASCII is returned as is.
    """
    if text.isascii():
        return text
    return _ACCENTED.sub(_base, text)


_NOT_NAME_CHARS = re.compile(r"[^\w&+' ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for comparisons (cached: names recur)."""
    text = strip_accents(text).casefold()
    return _SPACES.sub(" ", _NOT_NAME_CHARS.sub(" ", text)).strip()


_INITIALS = re.compile(r"(\w\.)+\w?")


def sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with offsets; paragraphs always end a sentence."""
    out: list[Sentence] = []
    start = 0
    for match in _SENT_END.finditer(text):
        end = match.start()
        if "\n" not in match.group(0):
            # The word before the final mark: its whitespace-separated run, less the
            # last mark ("U.S." gives "U.S", "end?!" gives "end?").
            marks = end
            while text[marks] in ".!?…":
                marks += 1
            first = end
            while first > start and not text[first - 1].isspace():
                first -= 1
            word = text[first:marks - 1].lower().rstrip(".")
            # "U.S. firm", "Mr. Kandil", "J. Smith" and "2.5" are not sentence ends.
            if word in _ABBREV or len(word) == 1 or _INITIALS.fullmatch(word):
                continue
            nxt = text[match.end():match.end() + 1]
            if nxt and nxt.islower():
                continue
        raw = text[start:end + len(match.group(0).rstrip())]
        piece = raw.strip()
        if piece:
            lead = start + len(raw) - len(raw.lstrip())
            out.append(Sentence(lead, lead + len(piece), piece, len(out)))
        start = match.end()
    raw = text[start:]
    tail = raw.strip()
    if tail:
        lead = start + len(raw) - len(raw.lstrip())
        out.append(Sentence(lead, lead + len(tail), tail, len(out)))
    return out


_CHUNK = re.compile(r"\S+")
# Punctuation that can open or close a chunk without being part of, or changing, its word
# ("(AIIM)", "Lagos,", "«centre»"); apostrophes, hyphens, "&" and "+" are not among them.
_OPENERS = "([{\"“«‘"
_CLOSERS = ".,;:!?)]}\"”»…"


def words(text: str) -> list[tuple[int, int, str]]:
    """Word tokens with offsets; keeps "N+One", "G42", "d'Abidjan", "U.S." whole.

    Most whitespace-separated chunks are plain words (``isalnum`` is exactly the
    regex's ``\\w`` minus "_"), perhaps in brackets or before a comma or a full
    stop, which need no regex; the rest go through
    :data:`_WORD`, whose matches never cross whitespace, so the tokens are the same.
    """
    out = []
    for chunk in _CHUNK.finditer(text):
        word = chunk.group()
        if word.isalnum():
            out.append((chunk.start(), chunk.end(), word))
            continue
        core = word.lstrip(_OPENERS)
        lead = len(word) - len(core)
        core = core.rstrip(_CLOSERS)
        if core.isalnum():
            start = chunk.start() + lead
            out.append((start, start + len(core), core))
        else:
            base = chunk.start()
            out.extend((base + m.start(), base + m.end(), m.group())
                       for m in _WORD.finditer(word))
    return out
