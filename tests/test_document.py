"""The prepared document's fast paths give what the plain definitions give.

Tagging speed rests on a few shortcuts (regex-free tokens for plain words, a
document's words normalized in one pass and sliced per sentence, cue
occurrences found once per document, window lookups by bisection); each is
checked here against the slow, obvious computation it replaces
(``tests/test_text.py`` does the same for sentences and accents).
"""

import re

from article_text import EN, FR
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.cues import CUES, cue_occurrences, cues_in
from classifier.document import Doc
from classifier.text import _ACCENTS, _WORD, words

# Characters that exercise the tokenizer's special cases: elisions, possessives,
# hyphens before capitals, dots in acronyms, "+" in names, odd spaces.
TRICKY = "aZéÀqsSdLl1_'’‘-.&+ \n\u00a0\u2009²,()[]{}\"“”«»;:!?…"
ARTICLES = ["\n\n".join(EN), "\n\n".join(FR),
            "AIIM backs N+ONE's 10 MW data-centre in Dakar. L'État d'Abidjan financé par "
            "la BAD (Banque africaine de développement) a inauguré un centre de données."]


def _plain_words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=40))
def test_words_equal_the_plain_regex(text):
    assert words(text) == _plain_words(text)


def test_words_on_articles():
    for text in ARTICLES:
        assert words(text) == _plain_words(text)


def _naive_occurrences(normalized: str) -> list[tuple[int, int, str]]:
    found = []
    for name, parts in CUES.items():
        for part in parts:
            for m in re.finditer("(?=" + re.escape(part) + ")", normalized):
                found.append((m.start(), m.start() + len(part), name))
    return sorted(found)


def test_cue_occurrences_match_a_substring_scan():
    for text in ARTICLES:
        doc = Doc(text)
        index = doc._index
        assert cue_occurrences(index.normalized, index.at, doc._tokens.norm) == \
            _naive_occurrences(index.normalized)
        assert index.occurrences    # the articles do hold cues: the test compares something


def _plain_sentence_words(doc: Doc) -> list[list[tuple[int, int, str]]]:
    """Each sentence's words, each lower-cased and stripped of accents on its own."""
    plain = doc.text.translate(_ACCENTS)
    return [[(s.start + a, s.start + b, plain[s.start + a:s.start + b].lower())
             for a, b, _ in words(s.text)] for s in doc.sentences]


def _check_doc(doc: Doc) -> None:
    assert doc.sentence_tokens == [words(s.text) for s in doc.sentences]
    plain = _plain_sentence_words(doc)
    kept = [(a, w) for toks in plain for a, _, w in toks
            if len(w) > 1 and w[-1] != "'"]
    assert doc.flat_words == ([w for _, w in kept],
                              sum(1 for a, _ in kept if a < max(doc.title_end, 0)))
    for idx, toks in enumerate(plain):
        joined = " " + " ".join(w for _, _, w in toks) + " "
        assert doc.sentence_cues[idx] == cues_in(joined)
        for k, (start, end, _) in enumerate(toks):
            for size in (3, 4, 6):
                left = [w for _, _, w in toks[max(0, k - size):k]]
                right = [w for _, _, w in toks[k + 1:k + 1 + size]]
                assert doc.window(start, end, size) == (left, right)
                assert doc.window_cues(start, end, size) == (
                    cues_in(" " + " ".join(left) + " ") if left else set(),
                    cues_in(" " + " ".join(right) + " ") if right else set())
            assert doc.context(start, end, 3, 6) == doc.window(start, end, 3) + \
                doc.window_cues(start, end, 6)
            assert doc.words_before(idx, start) == k


def test_windows_and_sentence_cues_match_their_definitions():
    for text in ARTICLES:
        doc = Doc(text, "Africa Data Centres opens a 10MW campus in Lagos", None)
        _check_doc(doc)
        assert any(doc.sentence_cues), "the articles hold cues"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ["data", "centre", "de", "donnees", "backed", "by", "phase", "one", "the", "Lagos",
     "invest", "solar", "plant", "up", "to", "MW", "acquires", "." , "\n\n", "jusqu'à",
     "Data-Centre", "first", "a", "déclaré", "İzmir", "ΟΔΟΣ", "Σ''Σ", "Côte", "d’Ivoire"]),
    max_size=40), st.sampled_from(["", "Raxio opens a data centre in Lagos", "Ι"]))
def test_windows_on_random_word_sequences(tokens, title):
    # "Σ''Σ" takes the word-by-word lower-casing: lower-cased with the text around it,
    # the second sigma would become a final one
    _check_doc(Doc(" ".join(tokens), title))


def test_empty_document():
    doc = Doc("")
    assert doc.sentence_cues == []
    assert doc.window(0, 0) == ([], [])
    assert doc.window_cues(0, 0, 6) == (set(), set())


def test_about_sections_run_from_their_heading_to_the_next():
    body = ("Zeta Cloud opens a data centre in Accra.\n\nAbout 2,000 square metres\n\n"
            "The hall is large.\n\nAbout Zeta Cloud\n\nZeta Cloud runs three sites.\n\n"
            "À propos du Fonds Souverain de Djibouti\n\nLe fonds investit.")
    doc = Doc(body, "Zeta Cloud opens Accra site", "en")
    sections = doc.about_sections
    assert [subject for _, _, subject in sections] == ["Zeta Cloud",
                                                        "Fonds Souverain de Djibouti"]
    (first_start, first_end, _), (second_start, second_end, _) = sections
    assert doc.text[first_start:first_end].startswith("About Zeta Cloud")
    assert first_end == second_start and second_end == len(doc.text)
    assert Doc("No boilerplate here.", "", "en").about_sections == []
