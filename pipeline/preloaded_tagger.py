"""The shipped tagger, loaded and warmed when this module is imported.

The crawl's and retag's worker processes are forked from one fork server
(:mod:`pipeline.pool`), which imports this module before it forks any: the
model is read, and the tagger's patterns compiled, once per command instead
of once per worker: about 0.3 s of CPU (imports, the model, and the patterns
and gazetteer trie the first article builds). Without a fork server the
worker's initializer imports it, as it loaded the model before.

Importing this never raises: the fork server would die of it, and every
worker with it. A model that cannot be loaded leaves :data:`TAGGER` None
and :data:`ERROR` saying why; the workers report it with their first tags,
as they did.
"""

from __future__ import annotations

import traceback
from typing import Any

#: Tagged once at load: every lazily built pattern (places, organisations, numbers,
#: cues) is used by an article like this one.
_WARM_UP = ("Lagos, Nigeria - Rack Centre, backed by Actis, plans a 12 MW Tier III data "
            "centre in Lekki for $60 million; construction starts in 2026.")

TAGGER: Any = None
ERROR: str | None = None

try:
    from classifier.plain import ModelError
    from classifier.tagger import Tagger

    try:
        TAGGER = Tagger()
        TAGGER.tag(_WARM_UP, "Rack Centre plans a data centre in Lagos", "en")
    except ModelError as exc:
        TAGGER, ERROR = None, str(exc)
except Exception:  # a bug must reach the crawl's log, not kill the fork server
    TAGGER, ERROR = None, "the tagger failed to load:\n" + traceback.format_exc()
