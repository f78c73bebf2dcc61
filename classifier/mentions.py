"""What the tagger hands back besides the tags: the mentions that support them.

A module of its own, importing nothing heavy: tag results cross from the
worker processes to the crawl process and to ``dcradar retag``'s parent as
pickles, and unpickling a class imports its module. Defined beside the
tagger, a result pulled scikit-learn, scipy and the model loader into those
processes (3 s and 110 MB each) though they never tag anything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MentionRow:
    """Why a tag was given: the value, the sentence that supports it, the confidence."""

    field: str
    value: str
    normalized: str
    confidence: float
    sentence: str
