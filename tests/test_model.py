"""What the text models read (terms built from the document's own words) and learn from."""

from classifier.document import LEAD_CHARS, Doc
from classifier.model import fit, lead_text, stem_terms, text_terms
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels

TITLE = "Raxio opens Kampala data centre"
BODY = ("Raxio Group has opened a 1.5 MW facility in Kampala, backed by the IFC. " * 30).strip()


def test_text_terms_weigh_the_headline_twice_and_keep_word_pairs():
    terms = text_terms(Doc(BODY, TITLE))
    assert terms.count("kampala data") == 2          # headline pair, twice
    assert terms.count("opens") == 2                 # headline-only word, twice
    assert "backed by" in terms and "ifc" in terms   # body words and pairs, once per use
    assert terms.count("ifc") == 30


def test_the_event_model_reads_the_headline_and_the_lead_only():
    terms = stem_terms(lead_text(Doc(BODY, TITLE)))
    assert terms.count("opens") == 3
    # The body repeats one sentence; only the lead's copies are read.
    assert terms.count("ifc") == LEAD_CHARS // (len(BODY) // 30 + 1)
    assert "~opene" in terms                 # stem of "opened"
    assert "title:open" in terms and "text:finance" in terms   # cue classes


def test_terms_of_an_empty_document():
    assert text_terms(Doc("")) == []
    assert stem_terms(lead_text(Doc(""))) == []


def test_the_event_model_learns_from_relevant_articles_only():
    # Irrelevant pages carry "other" (or nothing); events are told of relevant ones.
    docs = [d for d in load_corpus_labels(BUNDLED_CORPUS)
            if not d.labels["relevant"] or d.labels["event"] not in (None, "other")]
    assert any(not d.labels["relevant"] for d in docs)
    model = fit(docs, tune=False)
    assert set(model.event.classes_) == {d.labels["event"] for d in docs if d.labels["relevant"]}
