"""A prepared document: sentences, their words and cues, computed once per text."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from classifier.cues import cues_in
from classifier.text import Sentence, sentences, strip_accents, words


@dataclass
class Doc:
    """Title and body joined (title first), split once for every candidate's features."""

    body: str
    title: str = ""
    language: str | None = None
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.body = self.body or ""
        self.title = self.title or ""
        self.text = f"{self.title}\n\n{self.body}" if self.title else self.body
        self.title_end = len(self.title) if self.title else -1

    @cached_property
    def sentences(self) -> list[Sentence]:
        return sentences(self.text)

    @cached_property
    def sentence_cues(self) -> list[set[str]]:
        return [cues_in(" " + " ".join(w for _, _, w in toks) + " ")
                for toks in self.sentence_words]

    @cached_property
    def sentence_words(self) -> list[list[tuple[int, int, str]]]:
        """Words of each sentence with absolute offsets, lower-cased and accent-free."""
        out = []
        for s in self.sentences:
            out.append([(s.start + a, s.start + b, strip_accents(w).lower())
                        for a, b, w in words(s.text)])
        return out

    @cached_property
    def starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence holding ``offset`` (binary search)."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return max(lo, 0)

    def in_title(self, offset: int) -> bool:
        return offset < self.title_end

    @cached_property
    def is_french(self) -> bool:
        if self.language:
            return self.language.startswith("fr")
        sample = f" {self.text[:3000].lower()} "
        fr = sum(sample.count(w) for w in (" le ", " la ", " les ", " des ", " du ", " est "))
        en = sum(sample.count(w) for w in (" the ", " and ", " of ", " is ", " to ", " in "))
        return fr > en

    def window(self, start: int, end: int, size: int = 3) -> tuple[list[str], list[str]]:
        """Up to ``size`` words left and right of a span, within its sentence."""
        toks = self.sentence_words[self.sentence_at(start)] if self.sentences else []
        left = [w for a, b, w in toks if b <= start][-size:]
        right = [w for a, b, w in toks if a >= end][:size]
        return left, right
