"""What the text models read (terms built from the document's own words) and learn from."""

from classifier.document import Doc
from classifier.model import event_terms, fit, lead_text, text_terms
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


def test_the_event_model_reads_cue_classes_of_the_headline_and_the_lead_only():
    body = "Raxio Group has opened a 1.5 MW facility in Kampala. " * 20 + "It was bought by Zeta."
    terms = event_terms(lead_text(Doc(body, "Raxio secures funding from the IFC")))
    assert "title:finance" in terms and "title:open" not in terms
    assert "first:open" in terms and "lead:open" in terms
    # The acquisition is told after the lead: not read.
    assert not any(t.endswith(":acquire") for t in terms)
    # Names and other words are not terms: only classes (and one constant).
    assert all(t == "bias" or t.split(":")[0] in ("title", "first", "lead") for t in terms)


def test_terms_of_an_empty_document():
    assert text_terms(Doc("")) == []
    assert event_terms(lead_text(Doc(""))) == ["bias"]


def test_the_event_model_learns_from_relevant_articles_only():
    # Irrelevant pages carry "other" (or nothing); events are told of relevant ones.
    docs = [d for d in load_corpus_labels(BUNDLED_CORPUS)
            if not d.labels["relevant"] or d.labels["event"] not in (None, "other")]
    assert any(not d.labels["relevant"] for d in docs)
    model = fit(docs, tune=False)
    assert set(model.event.classes_) == {d.labels["event"] for d in docs if d.labels["relevant"]}
