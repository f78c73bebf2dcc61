"""classifier.candidates: what the document features can be without a data-centre cue."""

from __future__ import annotations

from classifier.candidates import DC_CUE, doc_candidates, features_without_cue
from classifier.document import Doc
from classifier.train import BUNDLED_CORPUS
from classifier.training import load_corpus_labels, load_training_articles


def test_features_without_a_cue_are_those_declared():
    fixed, free = features_without_cue()
    checked = 0
    for d in load_corpus_labels(BUNDLED_CORPUS) + load_training_articles():
        dc = doc_candidates(Doc(d.body, d.title, d.language))
        if any(DC_CUE in cues for cues in dc.doc.sentence_cues):
            continue
        features = dc.doc_features
        checked += 1
        assert {k: features.get(k) for k in fixed} == fixed, d.title
        for name, value in features.items():
            if name in fixed:
                continue
            assert name in free, (name, d.title)
            low, high = free[name]
            assert low <= value <= high, (name, value, d.title)
    assert checked
