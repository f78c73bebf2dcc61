"""Turn a response body into text even when its declared charset lies."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    # Browsers read "iso-8859-1" and "ascii" as windows-1252 (WHATWG); so do we.
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str] | None:
    """Decode ``body``; returns the text and the codec used, or None for binary data.

    Valid UTF-8 is taken as UTF-8 whatever is declared: a server that labels
    UTF-8 bytes iso-8859-1 is a common lie, while Latin-1 text that happens to
    be valid UTF-8 is all but impossible. Otherwise the HTTP-declared
    encoding, then the page's ``<meta charset>``, then Windows-1252, so the
    text is kept, at worst with a few wrong accents, rather than lost.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace"), "utf-16"
    head = body[:4096]
    if head.count(b"\x00") > 8:  # not text: images, PDFs, compressed bodies
        return None
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(head)
    for name in (declared, meta.group(1).decode("ascii", "ignore") if meta else None):
        codec = _codec(name)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            try:
                return body.decode(codec), codec
            except (UnicodeDecodeError, LookupError):
                continue
    return body.decode("cp1252", errors="replace"), "cp1252"
