"""octavo preview: the print HTML served on 127.0.0.1, checked in a real headless browser,
reloaded on save, and serving nothing outside the publication and the templates."""

from __future__ import annotations

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
