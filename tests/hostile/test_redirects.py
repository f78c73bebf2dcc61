"""Redirect loops, and redirects and links that lead off the source's own site.

"Another host" is a second loopback port (a site differs from another by its
port too): the suite sends traffic to loopback addresses only.
"""

from __future__ import annotations

from loopback import article_html, html

from hostile.support import PARAS, crawl_case, loopback_only, record, source


def redirect(location: str, status: int = 302):
    return lambda: (status, {"Location": location}, b"")


def index(*hrefs: str) -> str:
    return "<html><body>" + "".join(f'<a href="{h}">link</a> ' for h in hrefs) + \
        "</body></html>"


def test_redirect_loops_and_long_chains_end_with_a_reason(site, tmp_path):
    b = site.base
    site.routes.update({
        "/": html(index("/loop-a/", "/self/", "/chain-1/", "/moved/", "/good/")),
        "/loop-a/": redirect(f"{b}/loop-b/"),
        "/loop-b/": redirect("/loop-a/", 301),
        "/self/": redirect("/self/?utm_source=loop", 307),  # the same page once normalised
        **{f"/chain-{i}/": redirect(f"/chain-{i + 1}/") for i in range(1, 20)},
        # A redirect to a page that is also linked directly: fetched once, both recorded.
        "/moved/": redirect("/good/", 301),
        "/good/": html(article_html("A page reached twice", PARAS)),
    })
    result = crawl_case(tmp_path, [source("loops", b)])

    # Recorded under the first URL of each chain, with the last 3xx and why it stopped.
    for path, reason in (("/loop-a/", "redirect-loop"), ("/self/", "redirect-loop"),
                         ("/chain-1/", "too-many-redirects"),
                         ("/moved/", f"redirect-to-crawled: {b}/good/")):
        page = result.page(b + path)
        assert (page["kind"], page["reason"]) == ("other", reason), page
        assert 300 <= page["status"] < 400, page
    assert result.page(f"{b}/good/")["kind"] == "article"
    # Every hop is a request, and there are few: the loop and the chain ended, and the
    # page behind the redirect was fetched once.
    fetched = [p for p, _ in site.log]
    assert fetched.count("/loop-a/") == 1 and fetched.count("/loop-b/") == 1
    assert len([p for p in fetched if p.startswith("/chain-")]) == 6  # 1 + REDIRECT_MAX_TIMES
    assert fetched.count("/good/") == 1
    record("redirect loop / self-redirect / 20-hop chain", result.measured.seconds,
           result.measured, "3xx + redirect-loop / too-many-redirects / redirect-to-crawled")


def test_nothing_off_site_is_ever_followed(site, other_site, tmp_path):
    b, other = site.base, other_site.base
    other_port = other.rsplit(":", 1)[1]
    site.routes.update({
        "/": html(index(
            # links: another host, protocol-relative, same port under another name, schemes
            f"{other}/linked/", f"//127.0.0.1:{other_port}/proto-relative/",
            f"http://localhost:{b.rsplit(':', 1)[1]}/same-port-other-name/",
            "file:///etc/passwd", "javascript:fetch('/x')", "data:text/html,<b>x</b>",
            "ftp://127.0.0.1/x", "/to-other/", "/to-other-301/", "/to-file/", "/to-js/",
            "/to-data/", "/meta-other/", "/via/", "/good/")),
        "/to-other/": redirect(f"{other}/landing/"),
        "/to-other-301/": redirect(f"//127.0.0.1:{other_port}/landing/", 301),
        "/to-file/": redirect("file:///etc/passwd"),
        "/to-js/": redirect("javascript:alert(1)"),
        "/to-data/": redirect("data:text/html,<script>alert(1)</script>"),
        # An on-site hop first, then off-site: recorded under the first URL.
        "/via/": redirect("/via-2/"),
        "/via-2/": redirect(f"{other}/landing/", 308),
        "/meta-other/": html(f'<html><head><meta http-equiv="refresh" content="0; '
                             f'url={other}/refreshed/"></head><body>moved</body></html>'),
        "/feed.xml": lambda: (200, {"Content-Type": "application/rss+xml"}, (
            f'<rss version="2.0"><channel><item><link>{other}/from-feed/</link></item>'
            f"<item><link>file:///etc/shadow</link></item></channel></rss>").encode()),
        "/sitemap.xml": lambda: (200, {"Content-Type": "application/xml"}, (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{other}/from-sitemap/</loc></url><url><loc>data:,x</loc></url>"
            "</urlset>").encode()),
        "/good/": html(article_html("An on-site article among hostile links", PARAS)),
    })
    result = crawl_case(tmp_path, [source("offsite", b, feeds=[f"{b}/feed.xml"],
                                          sitemaps=[f"{b}/sitemap.xml"])])

    loopback_only(other_site.log)
    reasons = result.reasons()
    assert all(url.startswith(b + "/") for url in reasons), sorted(reasons)
    statuses = dict(result.rows("SELECT url, status FROM pages"))
    for path in ("/to-other/", "/to-other-301/", "/via/", "/to-file/", "/to-js/", "/to-data/"):
        assert 300 <= statuses[b + path] < 400, path  # the 3xx itself is the record
    assert reasons[f"{b}/to-other/"] == f"redirect-off-site: 127.0.0.1:{other_port}"
    assert reasons[f"{b}/to-other-301/"] == f"redirect-off-site: 127.0.0.1:{other_port}"
    assert reasons[f"{b}/via/"] == f"redirect-off-site: 127.0.0.1:{other_port}"
    assert reasons[f"{b}/meta-other/"] == f"redirect-off-site: 127.0.0.1:{other_port}"
    assert reasons[f"{b}/to-file/"] == "redirect-to-scheme: file"
    assert reasons[f"{b}/to-js/"] == "redirect-to-scheme: javascript"
    assert reasons[f"{b}/to-data/"] == "redirect-to-scheme: data"
    assert result.page(f"{b}/good/")["kind"] == "article"
    # Nothing but this site's own pages was requested, from links, feeds or sitemaps.
    assert {p for p, _ in site.log} <= {
        "/robots.txt", "/", "/feed.xml", "/sitemap.xml", "/good/", "/to-other/",
        "/to-other-301/", "/to-file/", "/to-js/", "/to-data/", "/via/", "/via-2/",
        "/meta-other/"}
    record("off-site redirects and links (other port, file:, javascript:, data:)",
           result.measured.seconds, result.measured,
           "3xx + redirect-off-site: HOST / redirect-to-scheme: SCHEME; links dropped")
