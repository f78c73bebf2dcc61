"""URL normalisation, so that one page reached by several URLs is fetched once."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track a visit: dropping them never changes the page.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_gl"
    r"|ref|ref_src|referrer|cmpid|ncid|soc_src|soc_trk|mkt_tok|at_medium|at_campaign|amp)$",
    re.IGNORECASE,
)

# Links to these are never news pages; skipping them spares a request.
_ASSET = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|bmp|tiff?|css|js|mjs|json|woff2?|ttf|eot|otf|mp[34]|m4a|"
    r"wav|ogg|webm|avi|mov|zip|gz|tgz|rar|7z|exe|dmg|apk|docx?|xlsx?|pptx?|pdf|txt)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1 << 16)  # menus and listings repeat the same URLs on every page
def normalize_url(url: str) -> str:
    """Drop the fragment and tracking parameters; lower-case scheme and host.

    The path and the order of the remaining parameters are kept as they are:
    some sites route on them, and re-encoding them would change the page asked for.
    """
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k)]
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or \
            (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/",
                       urlencode(query, doseq=True), ""))


@lru_cache(maxsize=1 << 16)
def is_asset_url(url: str) -> bool:
    """True for links to images, scripts, documents and other non-page files."""
    return bool(_ASSET.search(urlsplit(url).path))
