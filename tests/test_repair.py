"""pipeline.repair: trafilatura's HTML repairs, the same results without its full-page pass."""
from __future__ import annotations

import pytest
from trafilatura.utils import repair_faulty_html

from pipeline.repair import has_forbidden_chars, repair_html

BODY = "<body><p>Africa Data Centres opens a 10 MW site in Lagos.</p></body></html>"
PAGES = [
    f"<!DOCTYPE html>\n<html lang='en'>{BODY}",
    f"<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0 Strict//EN' 'http://www.w3.org/TR/xhtml1/"
    f"DTD/xhtml1-strict.dtd'>\n<html>{BODY}",
    f"<! DOCTYPE html/>\n<html>{BODY}",
    f"<html xmlns='http://www.w3.org/1999/xhtml'/>\n<head></head>{BODY}",
    f"\n\n\n<html lang='fr' />\n{BODY}",
    f"\n\n\n\n\n<html/>\n{BODY}",  # beyond the first four lines: left alone
    f"<!DOCTYPE html><html><head><meta charset='utf-8'/></head>{BODY}",  # minified
    f"<html>{BODY}".replace("Lagos", "La\x00gos\x0b\x1f"),
    f"<!DOCTYPE html/>\n<html/>\n{BODY}".replace("site", "s\ufffeit\uffffe"),
    f"<html>\r\n<head/>\r{BODY}\x0c",
    "",
]


@pytest.mark.parametrize("page", PAGES)
def test_same_result_as_trafilatura(page: str) -> None:
    beginning = page[:50].lower()
    assert repair_html(page, beginning) == repair_faulty_html(page, beginning)
    # Given the page's bytes, or bytes it was cut from (a NUL beyond the cut included).
    for utf8 in (page.encode("utf-8", "surrogatepass"), page.encode() + b"\x00 more"):
        assert repair_html(page, beginning, utf8) == repair_faulty_html(page, beginning)


def test_forbidden_chars() -> None:
    assert not has_forbidden_chars("tab\tnew line\ncarriage return\r é “quotes” 中文")
    for bad in ("\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"):
        assert has_forbidden_chars(f"text{bad}text")
    assert not has_forbidden_chars("lone surrogate \ud800 is not among them")


def test_forbidden_chars_with_the_pages_bytes() -> None:
    """NUL is looked for in the bytes, every other character in the text."""
    clean = "tab\tnew line\ncarriage return\r é “quotes” 中文"
    assert not has_forbidden_chars(clean, clean.encode())
    for bad in ("\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"):
        page = f"text{bad}text"
        assert has_forbidden_chars(page, page.encode())
    assert has_forbidden_chars(clean, clean.encode() + b"\x00")  # cut from a page with one
    assert not has_forbidden_chars("text\x00text"[:4], b"text")


def test_a_clean_page_is_returned_as_it_is_not_copied() -> None:
    """The usual page (a doctype without a slash, no forbidden characters) needs no repair:
    rebuilding it from its first line and the rest copied the whole page every time."""
    page = PAGES[0] + " " * 100_000
    assert repair_html(page, page[:50].lower()) is page
