"""`octavo preview [slug]`: the print layout's HTML on localhost, reloaded on save.

The page is exactly what WeasyPrint lays out (layout.paged_html), shown in a
browser: no PDF is made, so a change shows in about a second. A watcher
(watchfiles) bumps a version number when the publication, the house file or
the templates change; the page listens with server-sent events and reloads.
Content errors are shown on the page, with file and line, instead of the paper.

The same rules as the print fetcher hold: the server answers only on
127.0.0.1, serves files only from the publication folder and the templates,
and the page's Content-Security-Policy keeps the browser off the network.
It answers only requests whose Host is localhost, 127.0.0.1 or [::1] with its
own port (421 otherwise, so a DNS-rebinding page cannot read the drafts),
never serves a path with a hidden component (/.git/config), and answers 404
to a file it cannot resolve or read (a symlink loop, a permission error).
"""

from __future__ import annotations

import argparse
import html
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import OctavoError, os_error_message
from .model import PUBLISHER_FILE, load_publication
from .render import DEFAULT_TEMPLATES
from .resources import STYLES

EVENTS = "/__octavo/events"
VERSION = "/__octavo/version"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".svg": "image/svg+xml", ".webp": "image/webp", ".css": "text/css", ".woff2": "font/woff2",
          ".woff": "font/woff", ".otf": "font/otf", ".ttf": "font/ttf"}


class Preview:
    """The state one preview server shares between its request threads and its watcher."""

    def __init__(self, folder: Path, templates: Path | None = None):
        self.folder = Path(folder).resolve()
        self.templates = Path(templates or DEFAULT_TEMPLATES).resolve()
        styles = self.folder.parent / STYLES  # the house's own styles override the templates
        self.roots = [self.folder, self.templates] + ([styles] if styles.is_dir() else [])
        self.version = 0
        self.listeners = 0  # pages that have opened the event stream: the reload script ran
        self.changed = threading.Condition()
        self.stopping = threading.Event()

    def page(self, nonce: str) -> tuple[int, str]:
        """The print HTML with the reload script, or the content errors as a page."""
        from .layout import paged_html
        from .render import Rendering
        try:
            rendering = Rendering(load_publication(self.folder), self.templates)
            document, status = paged_html(rendering), HTTPStatus.OK
        except OctavoError as exc:
            document = _error_page(str(exc))
            status = HTTPStatus.UNPROCESSABLE_ENTITY
        except (OSError, RuntimeError) as exc:  # a file that cannot be read, a loop of links: shown, not a traceback
            message = os_error_message(exc) if isinstance(exc, OSError) else str(exc)
            document = _error_page(f"a file of the publication cannot be read: {message}")
            status = HTTPStatus.UNPROCESSABLE_ENTITY
        script = (f'<script nonce="{nonce}">new EventSource("{EVENTS}").onmessage = '
                  f'function () {{ location.reload(); }};</script>')
        head, sep, tail = document.rpartition("</body>")
        return status, (head + script + sep + tail) if sep else document + script

    def resource(self, url_path: str) -> Path | None:
        """A file the page may load: under the publication folder or the templates, nothing else."""
        relative = unquote(url_path).lstrip("/")
        if not relative or "\0" in relative or _hidden(relative.split("/")):
            return None  # a hidden component anywhere (/.git/config), and with it every "..", is refused
        for root in self.roots:
            try:  # a symlink loop (RuntimeError before Python 3.13) or an unreadable folder: not found
                path = (root / relative).resolve()
                if path.is_relative_to(root) and not _hidden(path.relative_to(root).parts) and path.is_file():
                    return path
            except (OSError, RuntimeError, ValueError):
                continue
        return None

    def read(self, url_path: str) -> tuple[Path, bytes] | None:
        """resource(url_path) and its bytes, or None when it is not served or cannot be read."""
        file = self.resource(url_path)
        if file is None:
            return None
        try:
            return file, file.read_bytes()
        except (OSError, RuntimeError):
            return None

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def watch(self) -> None:
        from watchfiles import watch
        paths = list(self.roots)
        if (self.folder.parent / PUBLISHER_FILE).is_file():
            paths.append(self.folder.parent / PUBLISHER_FILE)
        for _changes in watch(*paths, stop_event=self.stopping, debounce=200, step=50,
                              raise_interrupt=False):
            self.bump()


def _hidden(parts) -> bool:
    return any(part.startswith(".") for part in parts)


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host header values the server answers: a local name with its own port (or none on port 80)."""
    hosts = {f"{host}:{port}" for host in LOCAL_HOSTS}
    return frozenset(hosts | set(LOCAL_HOSTS) if port == 80 else hosts)


def port_number(text: str) -> int:
    """The --port argument: a whole number from 0 (pick a free port) to 65535."""
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"the port must be a number from 0 to 65535 (0 picks a free one), "
                                         f"not {text!r}")
    return port


def _error_page(message: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Content errors</title>"
            "<style>body{font:16px/1.5 sans-serif;margin:2em} pre{white-space:pre-wrap}</style></head>"
            f"<body><h1>The content does not load</h1><pre>{html.escape(message)}</pre>"
            "<p>Fix the files and save: this page reloads.</p></body></html>")


def _handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        server_version = "octavo-preview"

        def log_message(self, format, *args):  # quiet: the terminal shows only what matters
            pass

        def do_GET(self):
            if not self._local_host():
                self._send(HTTPStatus.MISDIRECTED_REQUEST, b"misdirected request: this preview answers only "
                           b"on localhost", "text/plain; charset=utf-8")
                return
            path = urlsplit(self.path).path
            if path in ("/", "/index.html"):
                nonce = secrets.token_urlsafe(16)
                status, body = preview.page(nonce)
                self._send(status, body.encode("utf-8"), "text/html; charset=utf-8", nonce)
            elif path == VERSION:
                self._send(HTTPStatus.OK, str(preview.version).encode(), "text/plain; charset=utf-8")
            elif path == EVENTS:
                self._events()
            else:
                found = preview.read(path)
                if found is None:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")
                else:
                    file, body = found
                    self._send(HTTPStatus.OK, body, _TYPES.get(file.suffix.lower(), "application/octet-stream"))

        def _local_host(self) -> bool:
            """One Host header naming this server: a DNS-rebinding page sends its own name."""
            hosts = self.headers.get_all("Host") or []
            return (len(hosts) == 1
                    and hosts[0].strip().lower() in allowed_hosts(self.server.server_address[1]))

        def _send(self, status, body: bytes, content_type: str, nonce: str | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if nonce:
                # The browser, too, may load nothing but this server's files: no network.
                self.send_header("Content-Security-Policy",
                                 "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                 f"font-src 'self' data:; script-src 'nonce-{nonce}'; connect-src 'self'")
            self.end_headers()
            self.wfile.write(body)

        def _events(self):
            """Server-sent events: one message per change, a comment every 15 s to keep the line open."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            with preview.changed:
                preview.listeners += 1
            seen = preview.version
            try:
                while not preview.stopping.is_set():
                    with preview.changed:
                        preview.changed.wait_for(lambda: preview.version != seen or preview.stopping.is_set(),
                                                 timeout=15)
                    if preview.version != seen:
                        seen = preview.version
                        self.wfile.write(f"data: {seen}\n\n".encode())
                    else:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page reloaded or was closed

    return Handler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, preview: Preview, port: int = 0, host: str = "127.0.0.1"):
        self.preview = preview
        super().__init__((host, port), _handler(preview))

    def handle_error(self, request, client_address) -> None:
        """A browser that drops its connection mid-answer (a reload, a closed tab) is no error to
        print; anything else is socketserver's traceback, as before."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "PreviewServer":
        """Serve and watch in background threads (for tests and the CLI alike)."""
        threading.Thread(target=self.preview.watch, name="octavo-watch", daemon=True).start()
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="octavo-serve",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.preview.stopping.set()
        with self.preview.changed:
            self.preview.changed.notify_all()
        self.shutdown()
        self.server_close()
