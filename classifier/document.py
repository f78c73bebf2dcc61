"""A prepared document: sentences, their words and cues, computed once per text."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from classifier.cues import cue_occurrences
from classifier.text import Sentence, sentences, strip_accents, words

#: How much of the body counts as the lead, in characters.
LEAD_CHARS = 700


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
    def _sentence_spans(self) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
        """The text's tokens (one pass) and each sentence's slice of them.

        Tokens are made per whitespace-separated chunk and sentences end at
        whitespace, so each token falls in one sentence as is.
        """
        tokens = words(self.text)
        spans = []
        k, n = 0, len(tokens)
        for s in self.sentences:
            while k < n and tokens[k][0] < s.start:
                k += 1
            first = k
            while k < n and tokens[k][1] <= s.end:
                k += 1
            spans.append((first, k))
        return tokens, spans

    @cached_property
    def sentence_tokens(self) -> list[list[tuple[int, int, str]]]:
        """Words of each sentence as written, with offsets into the sentence.

        Only organisation candidates read these, and only relevant articles
        have their candidates built: most documents never need them.
        """
        tokens, spans = self._sentence_spans
        out = []
        for s, (first, stop) in zip(self.sentences, spans, strict=True):
            base = s.start
            out.append([(a - base, b - base, w) for a, b, w in tokens[first:stop]])
        return out

    @cached_property
    def sentence_words(self) -> list[list[tuple[int, int, str]]]:
        """Words of each sentence with absolute offsets, lower-cased and accent-free."""
        tokens, spans = self._sentence_spans
        plain = strip_accents(self.text)   # one character per character: offsets hold
        return [[(a, b, plain[a:b].lower()) for a, b, _ in tokens[first:stop]]
                for first, stop in spans]

    @cached_property
    def flat_words(self) -> tuple[list[str], int]:
        """The normalized words of two characters or more (single letters and elisions
        carry no meaning of their own) in order, and how many are the title's."""
        kept = [(a, w) for toks in self.sentence_words for a, _, w in toks
                if len(w) > 1 and w[-1] != "'"]
        return [w for _, w in kept], bisect_left([a for a, _ in kept], max(self.title_end, 0))

    @cached_property
    def _index(self) -> _CueIndex:
        return _CueIndex(self.sentence_words)

    @cached_property
    def sentence_cues(self) -> list[set[str]]:
        """Cue classes present in each sentence."""
        index = self._index
        return [index.cues(i, 0, len(toks)) for i, toks in enumerate(self.sentence_words)]

    @cached_property
    def starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence holding ``offset``."""
        return max(bisect_right(self.starts, offset) - 1, 0)

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
        if not self.sentences:
            return [], []
        idx = self.sentence_at(start)
        toks = self.sentence_words[idx]
        left, right = self._index.around(idx, start, end)
        return ([w for _, _, w in toks[max(0, left - size):left]],
                [w for _, _, w in toks[right:right + size]])

    def context(self, start: int, end: int, size: int, cue_size: int
                ) -> tuple[list[str], list[str], set[str], set[str]]:
        """:meth:`window` of ``size`` and :meth:`window_cues` of ``cue_size``, in one lookup."""
        if not self.sentences:
            return [], [], set(), set()
        idx = self.sentence_at(start)
        toks = self.sentence_words[idx]
        index = self._index
        left, right = index.around(idx, start, end)
        return ([w for _, _, w in toks[max(0, left - size):left]],
                [w for _, _, w in toks[right:right + size]],
                index.cues(idx, max(0, left - cue_size), left),
                index.cues(idx, right, min(right + cue_size, len(toks))))

    def words_before(self, sentence: int, offset: int) -> int:
        """How many words of a sentence start before ``offset``."""
        return bisect_left(self._index.starts[sentence], offset) if self.sentences else 0

    def window_cues(self, start: int, end: int, size: int) -> tuple[set[str], set[str]]:
        """Cue classes among the ``size`` words left and right of a span (see :meth:`window`)."""
        if not self.sentences:
            return set(), set()
        idx = self.sentence_at(start)
        index = self._index
        left, right = index.around(idx, start, end)
        return (index.cues(idx, max(0, left - size), left),
                index.cues(idx, right, min(right + size, len(self.sentence_words[idx]))))


class _CueIndex:
    """Where each word sits in the document's normalized text, and the cues found in it.

    The text is every sentence's words joined by single spaces, sentences
    separated by a line break that no cue contains, so a cue lies within a run
    of words exactly when it lies within that run's own space-padded text.
    """

    def __init__(self, sentence_words: list[list[tuple[int, int, str]]]):
        self.starts: list[list[int]] = []     # word starts in the article text, per sentence
        self.ends: list[list[int]] = []
        self.at: list[list[int]] = []         # word starts in the normalized text
        self.after: list[list[int]] = []      # word ends in the normalized text
        pieces, cursor = [], 1
        for toks in sentence_words:
            self.starts.append([a for a, _, _ in toks])
            self.ends.append([b for _, b, _ in toks])
            at, after = [], []
            for _, _, w in toks:
                at.append(cursor)
                after.append(cursor + len(w))
                cursor += len(w) + 1
            self.at.append(at)
            self.after.append(after)
            pieces.append(" ".join(w for _, _, w in toks))
            cursor += 2 if toks else 3      # " \n " replaces the last word's trailing space
        self.normalized = " " + " \n ".join(pieces) + " "
        self.occurrences = cue_occurrences(self.normalized, [
            (at, w) for ats, toks in zip(self.at, sentence_words, strict=True)
            for at, (_, _, w) in zip(ats, toks, strict=True)])
        self.occurrence_starts = [o[0] for o in self.occurrences]

    def around(self, sentence: int, start: int, end: int) -> tuple[int, int]:
        """Index of the first word after the span's left words, and of its first right word."""
        return (bisect_right(self.ends[sentence], start),
                bisect_left(self.starts[sentence], end))

    def cues(self, sentence: int, first: int, stop: int) -> set[str]:
        """Cue classes within words ``first:stop`` of a sentence, spaces around included."""
        if first >= stop:
            return set()
        at = self.at[sentence]
        lo = at[first] - 1
        hi = self.after[sentence][stop - 1] + 1
        found = set()
        k = bisect_left(self.occurrence_starts, lo)
        occurrences = self.occurrences
        while k < len(occurrences) and occurrences[k][0] < hi:
            if occurrences[k][1] <= hi:
                found.add(occurrences[k][2])
            k += 1
        return found
