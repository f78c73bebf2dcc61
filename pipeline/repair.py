"""trafilatura's repairs of page text before lxml parses it, made cheap for clean pages.

``trafilatura.utils.repair_faulty_html`` first deletes the characters XML
forbids (C0 controls, U+FFFE, U+FFFF: lxml keeps them in the tree, and
trafilatura later fails copying such text into new elements) with a regex
pass over the whole page: 0.9 ms of a 160 KB page, more than a third of
parsing it, for characters almost no page holds. Here a quick test finds out
first; a page that has any gets trafilatura's own repair, and a clean page
gets the rest of it, which only reads its first line and first 4,096
characters.
``tests/test_repair.py`` holds the results equal to trafilatura's.
"""

from __future__ import annotations

try:  # without it, pipeline.extract parses with trafilatura's own loader
    from trafilatura.utils import repair_faulty_html as _trafilatura_repair
except ImportError:  # pragma: no cover - another trafilatura layout
    _trafilatura_repair = None
#: Whether trafilatura's repair is there to mirror; without it, parse as its loader does.
CAN_REPAIR = _trafilatura_repair is not None
try:  # the patterns it applies; without them, its own repair runs on every page
    from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML
except ImportError:  # pragma: no cover - another trafilatura layout
    DOCTYPE_TAG = FAULTY_HTML = None

#: The characters XML forbids: C0 controls (tab, line feed and carriage return are
#: allowed), U+FFFE and U+FFFF.
FORBIDDEN = tuple(chr(i) for i in range(32) if i not in (9, 10, 13)) + ("\ufffe", "\uffff")
_NUL, _NOT_NUL = b"\x00", tuple(char for char in FORBIDDEN if char != "\x00")


def has_forbidden_chars(text: str, utf8: bytes | None = None) -> bool:
    """True when ``text`` holds a character that XML forbids (see the module docstring).

    One substring search per character: each is C's fast search over the
    text, 0.23 ms in all for a 160 KB page, where encoding the page and
    ``bytes.translate`` took 0.45 ms and a regex character class 0.54 ms.

    ``utf8``: bytes whose UTF-8 decoding holds ``text`` (the page it was cut
    from). NUL is looked for there: in a string of two-byte characters, as
    most pages are, C's search for it is a loop (0.11 ms of those 0.23 on
    the benchmark's pages), in bytes it is ``memchr`` (0.01 ms). A NUL in
    the bytes but not in ``text`` only makes a clean page take the full repair.
    """
    if utf8 is None:
        return any(char in text for char in FORBIDDEN)
    return _NUL in utf8 or any(char in text for char in _NOT_NUL)


def repair_html(text: str, beginning: str, utf8: bytes | None = None) -> str:
    """``trafilatura.utils.repair_faulty_html(text, beginning)``, the same result.

    ``beginning``: the page's first 50 characters, lower-cased, as trafilatura passes them.
    ``utf8``: as :func:`has_forbidden_chars` takes it.
    """
    if DOCTYPE_TAG is None or FAULTY_HTML is None or has_forbidden_chars(text, utf8):
        return _trafilatura_repair(text, beginning)
    # libxml2 misreads a doctype that holds a slash
    if "doctype" in beginning:
        end = text.find("\n")
        if end == -1:  # trafilatura's partition of the page then adds a line break
            text = DOCTYPE_TAG.sub("", text, count=1) + "\n"
        else:  # the page is copied only when its first line changes (it rarely does)
            firstline = text[:end]
            kept = DOCTYPE_TAG.sub("", firstline, count=1)
            if kept != firstline:
                text = kept + text[end:]
    # a self-closing <html/> in the first lines
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text
