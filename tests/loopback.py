"""A tiny scripted HTTP server on loopback for bad-input tests.

Each route maps a path to a function returning (status, headers, body), so a
test states exactly what the "web server" does: lie about charsets, send a
PDF, fail twice, send 20 MB. A body may also be an iterable of chunks, sent
as they come (a server that trickles or stalls); a route that sets its own
Content-Length may then lie about it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[], tuple[int, dict[str, str], bytes | Iterable[bytes]]]


class LoopbackSite:
    """Serve ``routes`` on 127.0.0.1 in a background thread; records every request."""

    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.log: list[tuple[str, int]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                route = site.routes.get(self.path.split("?")[0])
                status, headers, body = route() if route else (404, {}, b"not found")
                site.log.append((self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                elif "Content-Length" not in headers:
                    self.close_connection = True  # the body ends when the connection does
                self.end_headers()
                chunks = [body] if isinstance(body, bytes) else body
                # The crawler may hang up on a body it does not want.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def html(body: str, status: int = 200, charset: str = "utf-8",
         declared: str | None = None) -> Route:
    """A route serving ``body`` encoded in ``charset`` but declared as ``declared``."""
    data = body.encode(charset)
    ctype = f"text/html; charset={declared or charset}"
    return lambda: (status, {"Content-Type": ctype}, data)


def article_html(title: str, paragraphs: list[str], *, published: str = "2025-03-04",
                 canonical: str | None = None, lang: str = "en", extra: str = "") -> str:
    """A plausible news article page with Open Graph metadata."""
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title} | Test Wire</title>{canon}"
            f'<meta property="og:type" content="article">'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{published}T09:00:00+00:00">'
            f"</head><body><nav><a href='/'>Home</a></nav><main><article><h1>{title}</h1>"
            f'<time datetime="{published}">{published}</time>{body}{extra}</article></main>'
            f"</body></html>")
