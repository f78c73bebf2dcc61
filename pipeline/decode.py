"""Turn a response body into text even when its declared charset lies."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``body``; returns the text and the encoding that was used.

    The HTTP-declared encoding wins when the bytes are valid in it. When they
    are not (a server that says UTF-8 and sends Latin-1), try the page's own
    ``<meta charset>``, then UTF-8, then Windows-1252, which never fails: the
    text is kept, at worst with a few wrong accents, rather than lost.
    """
    candidates: list[str] = []
    head = _META_CHARSET.search(body[:4096])
    for name in (declared, head.group(1).decode("ascii", "ignore") if head else None,
                 "utf-8"):
        codec = _codec(name)
        if codec and codec not in candidates:
            candidates.append(codec)
    if body.startswith(codecs.BOM_UTF8):
        candidates.insert(0, "utf-8-sig")
    for codec in candidates:
        try:
            return body.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("cp1252", errors="replace"), "cp1252"
