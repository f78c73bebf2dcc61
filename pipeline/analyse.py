"""One parse per HTML page: its kind, its links and, for an article, its extraction.

The spider must know what a page is (article or listing) and which links it
holds before it can go on; extraction needs the same page parsed again.
Done in the crawl process, that parse and the link walk were a quarter of its
CPU (it went from 13.6 to 10.4 s in the 1k benchmark, issue 6), on the core
that also runs Scrapy's event loop, and every article was parsed twice. With
worker processes (:mod:`pipeline.pool`) the spider sends the raw body here
instead and awaits the answer: the worker decodes and parses the page once,
judges it (:func:`spiders.page_kind.classify_page`), lists its links
(:func:`spiders.discovery.page_links`, unfiltered: the source's rules and the
frontier stay with the spider) and, when the spider asked for it, extracts
the article from the same tree and compresses the body, as
:func:`pipeline.pool.prepare_page` would have later.

A page this cannot read (no text once decoded, markup lxml gives up on)
comes back with status ``unread``: the spider then reads it itself, as
without workers, so that such pages end exactly as they always did.
"""

from __future__ import annotations

import time
from typing import Any

from parsel import Selector

from pipeline.decode import decode_html
from pipeline.pool import article_result, stored_body
from spiders.discovery import page_links
from spiders.page_kind import classify_page

#: Fields of the spider's page that the worker reads.
ANALYSE_FIELDS = ("body", "encoding", "final_url", "source", "language", "prune_xpaths")


def analyse_page(page: dict[str, Any], links: bool = True, extract: bool = True,
                 stored_hash: str | None = None) -> dict[str, Any]:
    """Worker: the verdict on one HTML page, its links and, for an article, its article.

    ``page`` holds :data:`ANALYSE_FIELDS`. ``links=False`` skips the link walk
    (the source's budget is spent). ``extract`` says whether an article page
    should be extracted here; it is not when the body is the one stored
    (``stored_hash``, the stored page's SHA-256): revalidation drops such a
    page before extraction, and extracting it here would be work thrown away.

    Returns ``status`` ``ok`` with ``is_article``, ``reason`` (the verdict's
    signal), ``links`` (``(url, is_pagination)`` pairs), ``html_gz``,
    ``body_sha256`` and ``cpu``; an extracted article adds ``prepared``, the
    dict :func:`pipeline.pool.prepare_page` returns. ``unread``: the page
    could not be decoded or parsed here. ``unparseable`` with ``error``:
    classification or the link walk raised.
    """
    # Imported in the worker (where the pool preloads it), not where the spider imports
    # this module to name the function: the crawl process never needs trafilatura.
    from pipeline.extract import parse_html

    cpu: dict[str, float] = {}
    started = time.process_time()
    digest, html_gz = stored_body(page["body"])
    out: dict[str, Any] = {"status": "ok", "html_gz": html_gz, "body_sha256": digest, "cpu": cpu}
    now = time.process_time()
    cpu["compress"] = now - started
    decoded = decode_html(page["body"], page.get("encoding"))
    tree = parse_html(decoded[0], page["body"] if decoded[1] == "utf-8" else None) \
        if decoded else None
    if tree is None:
        out["status"] = "unread"
        return out
    url = page["final_url"]
    try:
        sel = Selector(root=tree, base_url=url)
        verdict = classify_page(sel, url)
        out["links"] = [(link.url, link.is_pagination) for link in page_links(sel, url)] \
            if links else []
    except Exception as exc:  # lxml gives up on some pathological markup
        out.update(status="unparseable", error=str(exc))
        return out
    out["is_article"], out["reason"] = verdict.is_article, verdict.reason
    done = time.process_time()
    cpu["analyse"] = done - now
    if extract and verdict.is_article and digest != stored_hash:
        out["prepared"] = {"html_gz": html_gz, "body_sha256": digest, "cpu": {},
                           **article_result(dict(page, encoding=decoded[1]), tree)}
        cpu["extract"] = time.process_time() - done
    return out
