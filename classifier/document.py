"""A prepared document: sentences, their words and cues, computed once per text."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from operator import add

from classifier.cues import cue_occurrences
from classifier.text import Sentence, sentences, strip_accents, words

#: How much of the body counts as the lead, in characters.
LEAD_CHARS = 700
# A paragraph of its own, "About" and a name of at most eight words, no full stop.
_ABOUT = re.compile(r"(?m)^(?:About |À propos d(?:e |u |')|A propos d(?:e |u |'))(?:the |l')?"
                    r"(?P<subject>[A-Z][^\n.]{0,80})$")


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
    def about_sections(self) -> list[tuple[int, int, str]]:
        """(start, end, subject) of the "About X" / "À propos de X" boilerplate that ends
        a press release: who X is, its shareholders and its other sites, not the news."""
        heads = [(m.start(), m.group("subject")) for m in _ABOUT.finditer(self.text)]
        if not heads:
            return []
        ends = [start for start, _ in heads[1:]] + [len(self.text)]
        return [(start, end, subject) for (start, subject), end in zip(heads, ends, strict=True)]

    @cached_property
    def sentences(self) -> list[Sentence]:
        return sentences(self.text)

    @cached_property
    def _tokens(self) -> _Tokens:
        return _Tokens(self.text, self.sentences)

    @cached_property
    def sentence_tokens(self) -> list[list[tuple[int, int, str]]]:
        """Words of each sentence as written, with offsets into the sentence.

        Only organisation candidates read these, and only relevant articles
        have their candidates built: most documents never need them.
        """
        tokens = self._tokens
        out = []
        for s, (first, stop) in zip(self.sentences, tokens.spans, strict=True):
            base = s.start
            out.append([(a - base, b - base, w) for a, b, w in tokens.raw[first:stop]])
        return out

    @cached_property
    def flat_words(self) -> tuple[list[str], int]:
        """The normalized words of two characters or more (single letters and elisions
        carry no meaning of their own) in order, and how many are the title's."""
        t = self._tokens
        in_title = bisect_left(t.starts, max(self.title_end, 0))
        kept, n_title = [], 0
        for first, stop in t.spans:
            words = [w for w in t.norm[first:stop] if len(w) > 1 and w[-1] != "'"]
            kept += words
            if first < in_title:
                n_title += len(words) if stop <= in_title else sum(
                    1 for w in t.norm[first:in_title] if len(w) > 1 and w[-1] != "'")
        return kept, n_title

    @cached_property
    def _index(self) -> _CueIndex:
        return _CueIndex(self._tokens)

    @cached_property
    def sentence_cues(self) -> list[set[str]]:
        """Cue classes present in each sentence."""
        index = self._index
        return [index.cues(i, 0, stop - first)
                for i, (first, stop) in enumerate(self._tokens.spans)]

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
        left, right = self._index.around(idx, start, end)
        return self._words_around(idx, left, right, size)

    def _words_around(self, idx: int, left: int, right: int, size: int
                      ) -> tuple[list[str], list[str]]:
        """Up to ``size`` normalized words before word ``left`` and from word ``right`` of
        sentence ``idx``: slices of the document's word list, within the sentence."""
        first, stop = self._tokens.spans[idx]
        norm = self._tokens.norm
        return (norm[first + max(0, left - size):first + left],
                norm[first + right:min(first + right + size, stop)])

    def context(self, start: int, end: int, size: int, cue_size: int
                ) -> tuple[list[str], list[str], set[str], set[str]]:
        """:meth:`window` of ``size`` and :meth:`window_cues` of ``cue_size``, in one lookup."""
        if not self.sentences:
            return [], [], set(), set()
        idx = self.sentence_at(start)
        index = self._index
        left, right = index.around(idx, start, end)
        return (*self._words_around(idx, left, right, size),
                index.cues(idx, max(0, left - cue_size), left),
                index.cues(idx, right, min(right + cue_size, index.length(idx))))

    def words_before(self, sentence: int, offset: int) -> int:
        """How many words of a sentence start before ``offset``."""
        return self._index.words_before(sentence, offset) if self.sentences else 0

    def window_cues(self, start: int, end: int, size: int) -> tuple[set[str], set[str]]:
        """Cue classes among the ``size`` words left and right of a span (see :meth:`window`)."""
        if not self.sentences:
            return set(), set()
        idx = self.sentence_at(start)
        index = self._index
        left, right = index.around(idx, start, end)
        return (index.cues(idx, max(0, left - size), left),
                index.cues(idx, right, min(right + size, index.length(idx))))


class _Tokens:
    """The text's word tokens as parallel lists, and each sentence's slice of them.

    One tokenizer pass over the whole text, normalized in one pass too; a
    sentence is its ``[first, stop)`` range of these lists, read by slicing or
    bisecting within it rather than rebuilt word by word. Tokens are made per
    whitespace-separated chunk and sentences end at whitespace, so each token
    falls in one sentence as is.
    """

    def __init__(self, text: str, sentences: list[Sentence]):
        self.raw = words(text)
        self.starts: list[int] = [a for a, _, _ in self.raw]
        self.ends: list[int] = [b for _, b, _ in self.raw]
        plain = strip_accents(text)   # one character per character: offsets hold
        lower = plain.lower()
        # Lower-casing the whole text equals lower-casing each word unless a character's
        # lower case is longer or depends on the letters around it (Greek final sigma).
        if len(lower) == len(plain) and "Σ" not in plain:
            self.norm = list(map(lower.__getitem__, map(slice, self.starts, self.ends)))
        else:
            self.norm = [plain[a:b].lower() for a, b, _ in self.raw]
        self.spans: list[tuple[int, int]] = []
        stop = 0
        for s in sentences:
            first = max(stop, bisect_left(self.starts, s.start))
            stop = max(first, bisect_right(self.ends, s.end))
            self.spans.append((first, stop))


class _CueIndex:
    """Where each word sits in the document's normalized text, and the cues found in it.

    The text is every word, normalized, joined by single spaces. A lookup
    counts only the occurrences that lie wholly within the words it asks
    about, so an occurrence that runs on into the next sentence is never
    counted, and a cue lies within a run of words exactly when it lies within
    that run's own space-padded text.
    """

    def __init__(self, tokens: _Tokens):
        norm = tokens.norm
        lengths = list(map(len, norm))
        # Word j starts after the leading space, the j words before it and their spaces.
        self.at = list(map(add, accumulate(lengths, initial=0), range(1, len(norm) + 1)))
        self.after = list(map(add, self.at, lengths))
        self.normalized = " " + " ".join(norm) + " "
        self.occurrences = cue_occurrences(self.normalized, self.at, norm)
        self.occurrence_starts = [o[0] for o in self.occurrences]
        # Per sentence, its words are ``[first, stop)`` of these document-wide lists
        # (word offsets in the article text and in the normalized text).
        self.spans = tokens.spans
        self.starts = tokens.starts
        self.ends = tokens.ends

    def length(self, sentence: int) -> int:
        """Number of words in a sentence."""
        first, stop = self.spans[sentence]
        return stop - first

    def words_before(self, sentence: int, offset: int) -> int:
        """How many words of a sentence start before ``offset``."""
        first, stop = self.spans[sentence]
        return bisect_left(self.starts, offset, first, stop) - first

    def around(self, sentence: int, start: int, end: int) -> tuple[int, int]:
        """Index of the first word after the span's left words, and of its first right word."""
        first, stop = self.spans[sentence]
        return (bisect_right(self.ends, start, first, stop) - first,
                bisect_left(self.starts, end, first, stop) - first)

    def cues(self, sentence: int, first: int, stop: int) -> set[str]:
        """Cue classes within words ``first:stop`` of a sentence, spaces around included."""
        if first >= stop:
            return set()
        base = self.spans[sentence][0]
        lo = self.at[base + first] - 1
        hi = self.after[base + stop - 1] + 1
        found = set()
        k = bisect_left(self.occurrence_starts, lo)
        occurrences = self.occurrences
        while k < len(occurrences) and occurrences[k][0] < hi:
            if occurrences[k][1] <= hi:
                found.add(occurrences[k][2])
            k += 1
        return found
