"""octavo preview: the print HTML served on 127.0.0.1, checked in a real headless browser,
reloaded on save, and serving nothing outside the publication and the templates."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from lxml import html as lxml_html

from octavo.metadata import join_title
from octavo.model import load_publication
from octavo.preview import EVENTS, VERSION, Preview, PreviewServer

from conftest import copy_content, edit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def served(tmp_path):
    folder = copy_content(tmp_path)
    server = PreviewServer(Preview(folder), port=0).start()
    yield folder, server
    server.stop()


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make installs it)")
def test_a_headless_browser_shows_the_title_and_every_disclaimer(served, tmp_path):
    folder, server = served
    publication = load_publication(folder)
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}",
         "--dump-dom", server.url],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    dom = lxml_html.fromstring(run.stdout)
    assert _words(dom.findtext(".//title")) == join_title(publication.title, publication.subtitle)
    shown = _words(dom.text_content())
    assert publication.title in shown
    assert len(publication.disclaimers) >= 3
    for disclaimer in publication.disclaimers:
        assert disclaimer.text in shown, f"disclaimer '{disclaimer.id}' is not on the page"
    deadline = time.monotonic() + 5
    while server.preview.listeners == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.preview.listeners >= 1, "the page's reload script did not run (blocked by the CSP?)"


def test_saving_a_file_reloads_the_page(served):
    folder, server = served
    status, _, _ = _get(server.url)
    assert status == 200
    before = int(_get(server.url + VERSION.lstrip("/"))[1])
    with urllib.request.urlopen(server.url + EVENTS.lstrip("/"), timeout=10) as events:
        edit(folder / "publication.yaml", "subtitle: Four Perspectives", "subtitle: Five Perspectives")
        line = events.readline().decode()
        while not line.startswith("data:"):
            line = events.readline().decode()
    assert int(line.split(":", 1)[1]) > before
    status, page, _ = _get(server.url)
    assert status == 200 and "Five Perspectives" in page


def test_content_errors_show_on_the_page_with_file_and_line(served):
    folder, server = served
    edit(folder / "sections" / "05-china.md", "[zhu-feng]", "[zhu-fen]")
    status, page, _ = _get(server.url)
    assert status == 422
    assert "sections/05-china.md:5" in page and "did you mean &#x27;zhu-feng&#x27;?" in page
    assert "EventSource" in page  # and it reloads once fixed


def test_the_page_may_load_nothing_from_the_network(served):
    _, server = served
    _, page, headers = _get(server.url)
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("path, status", [
    ("sections/01-summary.md", 200),          # the publication's own files
    ("print/print.css", 200),                 # the templates
    ("../publisher.yaml", 404),
    ("%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404),
    ("%2Fetc%2Fpasswd", 404),
    ("..%2F..%2F..%2F..%2Fetc%2Fpasswd", 404),
])
def test_only_the_publication_and_the_templates_are_served(served, path, status):
    _, server = served
    assert _get(server.url + path)[0] == status


def test_the_command_serves_until_ctrl_c(tmp_path):
    import signal
    import sys
    folder = copy_content(tmp_path)
    preview = subprocess.Popen([sys.executable, "-m", "octavo.cli", "preview", folder.name, "--port", "0",
                                "--content", str(folder.parent)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = preview.stdout.readline()
        assert line.startswith(f"previewing content/{folder.name} at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        status, page, _ = _get(url)
        assert status == 200 and "Breaking Deadlock" in page
    finally:
        preview.send_signal(signal.SIGINT)
        out, err = preview.communicate(timeout=30)
    assert preview.returncode == 0, err
    assert "preview stopped" in out and "Traceback" not in err


def _request(server, path: str, host: str | None) -> tuple[int, str]:
    """A GET with a chosen Host header (None: no Host header at all), read whole."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        if path == EVENTS and response.status == 200:
            return response.status, ""  # the stream stays open: its status is enough
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/", "/index.html", "/sections/01-summary.md", "/print/print.css", VERSION, EVENTS])
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "localhost", "127.0.0.1",
                                  "localhost:{other}", "127.0.0.2:{port}", "localhost.evil.example:{port}",
                                  "[::2]:{port}", "", None])
def test_a_foreign_host_is_refused_on_every_path(served, path, host):
    _, server = served
    port = server.server_address[1]
    status, body = _request(server, path, None if host is None else host.format(port=port, other=port + 1))
    assert status == 421
    assert body == "misdirected request: this preview answers only on localhost"


@pytest.mark.parametrize("path", ["/", "/sections/01-summary.md", VERSION, EVENTS])
@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "LocalHost:{port}"])
def test_a_local_host_with_the_servers_port_is_answered(served, path, host):
    _, server = served
    status, _ = _request(server, path, host.format(port=server.server_address[1]))
    assert status == 200


def test_two_host_headers_are_refused(served):
    _, server = served
    port = server.server_address[1]
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.putrequest("GET", "/", skip_host=True)
        connection.putheader("Host", f"127.0.0.1:{port}")
        connection.putheader("Host", "evil.example")
        connection.endheaders()
        assert connection.getresponse().status == 421
    finally:
        connection.close()


def test_port_80_also_answers_the_bare_local_names():
    from octavo.preview import allowed_hosts
    assert allowed_hosts(80) >= {"localhost", "127.0.0.1", "[::1]", "localhost:80"}
    assert "localhost" not in allowed_hosts(8000) and "localhost:8000" in allowed_hosts(8000)


@pytest.mark.parametrize("path", [".git/config", "%2egit/config", ".git%2Fconfig", "sections/.git/config",
                                  ".hidden/notes.md", "sections/.draft.md", "sections/./01-summary.md",
                                  ".git", "hidden-link/config"])
def test_nothing_in_a_hidden_folder_is_served(served, path):
    folder, server = served
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[remote \"origin\"]\n\turl = secret\n")
    (folder / "sections" / ".git").mkdir()
    (folder / "sections" / ".git" / "config").write_text("secret\n")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "notes.md").write_text("secret\n")
    (folder / "sections" / ".draft.md").write_text("secret\n")
    (folder / "hidden-link").symlink_to(folder / ".git")  # a visible name for a hidden folder
    status, body, _ = _get(server.url + path)
    assert (status, body) == (404, "not found")


@pytest.mark.parametrize("path", ["loop", "loop/file.png", "a.png", "sections/b.css"])
def test_a_symlink_loop_is_not_found(served, path):
    folder, server = served
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "a.png").symlink_to(folder / "b.png")
    (folder / "b.png").symlink_to(folder / "a.png")
    (folder / "sections" / "b.css").symlink_to("b.css")
    status, body, _ = _get(server.url + path)
    assert (status, body) == (404, "not found")
    assert _get(server.url + "sections/01-summary.md")[0] == 200  # and the server still serves


def test_a_file_that_cannot_be_read_is_not_found(served, monkeypatch):
    folder, server = served
    from pathlib import Path

    def fail(self):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "read_bytes", fail)
    assert _get(server.url + "sections/01-summary.md")[:2] == (404, "not found")


def test_the_server_logs_no_traceback_for_a_loop(tmp_path):
    import sys
    folder = copy_content(tmp_path)
    (folder / "loop").symlink_to(folder / "loop")
    code = ("import sys, urllib.request, urllib.error\n"
            "from octavo.preview import Preview, PreviewServer\n"
            f"server = PreviewServer(Preview({str(folder)!r}), port=0).start()\n"
            "try:\n"
            "    urllib.request.urlopen(server.url + 'loop/x.png', timeout=10)\n"
            "except urllib.error.HTTPError as exc:\n"
            "    print(exc.code)\n"
            "server.stop()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "404" and run.stderr == ""


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "eighty", "1e3"])
def test_a_port_out_of_range_is_a_usage_error(port, capsys):
    from octavo.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["preview", "--port", port])
    assert exit_.value.code == 64
    err = capsys.readouterr().err
    assert "argument --port: the port must be a number from 0 to 65535" in err and repr(port) in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port, value", [("0", 0), ("65535", 65535), ("8000", 8000)])
def test_a_port_in_range_is_taken(port, value):
    from octavo.cli import _parser
    assert _parser().parse_args(["preview", "--port", port]).port == value


def test_a_source_that_cannot_be_read_is_shown_on_the_page(served, monkeypatch):
    """A section the page is built from fails to read: the page says which and why, with no traceback."""
    folder, server = served
    from pathlib import Path

    real = Path.read_bytes

    def fail(self):
        if self.name == "07-conclusion.md":
            raise OSError(5, "Input/output error", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", fail)
    status, body, _ = _get(server.url)
    assert status == 422 and "cannot be read" in body and "Input/output error" in body and "Traceback" not in body


def test_clients_that_drop_their_connection_leave_no_traceback(tmp_path):
    """Browsers that close the connection before the answer is written (a reload, a closed tab):
    the server goes on quietly (issue 22: 303 BrokenPipeError tracebacks), and still answers."""
    import sys
    folder = copy_content(tmp_path)
    code = ("import socket, struct, time, urllib.request\n"
            "from octavo.preview import Preview, PreviewServer\n"
            f"server = PreviewServer(Preview({str(folder)!r}), port=0).start()\n"
            "host, port = server.server_address[:2]\n"
            "for _ in range(40):\n"
            "    s = socket.create_connection((host, port))\n"
            "    s.sendall(f'GET / HTTP/1.1\\r\\nHost: localhost:{port}\\r\\n\\r\\n'.encode())\n"
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
            "    s.close()  # a reset, before the page is written\n"
            "time.sleep(2)\n"
            "print(urllib.request.urlopen(server.url, timeout=30).status)\n"
            "server.stop()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "200"
    assert "Traceback" not in run.stderr and run.stderr == ""
