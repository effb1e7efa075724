"""The security model: what the print renderer may fetch, and that no script reaches an EPUB."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from octavo.build import build_publication
from octavo.errors import RenderError
from octavo.layout import MAX_DATA_URL_BYTES, safe_fetcher

from conftest import copy_content, copy_templates, edit


@pytest.fixture
def roots(tmp_path):
    publication, templates = tmp_path / "pub", tmp_path / "templates"
    publication.mkdir()
    templates.mkdir()
    (publication / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (templates / "print.css").write_text("p {}", encoding="utf-8")
    (publication / "escape.png").symlink_to("/etc/passwd")
    return publication, templates


@pytest.mark.parametrize("url", [
    "http://example.org/x.css",
    "https://example.org/x.png",
    "ftp://example.org/x.png",
    "file:///etc/passwd",
    "file://{pub}/../../etc/passwd",
    "file://{pub}/escape.png",                 # a symlink inside the folder, pointing out of it
    "file://{pub}/%2e%2e/%2e%2e/etc/passwd",
    "data:text/plain;base64," + "A" * (MAX_DATA_URL_BYTES + 1),
])
def test_the_fetcher_refuses(url, roots):
    publication, templates = roots
    fetcher = safe_fetcher([publication, templates])
    url = url.format(pub=publication)
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused and fetcher.refused[0].startswith(url[:20])


@pytest.mark.parametrize("url", ["file://{pub}/figure.png", "file://{templates}/print.css",
                                 "data:text/plain;base64,SGVsbG8="])
def test_the_fetcher_reads_the_publication_and_the_templates(url, roots):
    publication, templates = roots
    fetcher = safe_fetcher([publication, templates])
    response = fetcher.fetch(url.format(pub=publication, templates=templates))
    assert response is not None and not fetcher.refused
    getattr(response, "close", lambda: None)()


def test_an_oversized_data_url_stops_the_build(tmp_path):
    templates = copy_templates(tmp_path)
    blob = "data:image/png;base64," + "A" * (MAX_DATA_URL_BYTES + 10)
    edit(templates / "print" / "print.css", "@page {", f"body {{ background: url({blob}); }}\n@page {{")
    folder = copy_content(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="may not reach: data:image/png"):
        build_publication(folder, out, templates)
    assert not out.exists() or [p for p in out.iterdir()] == []


XHTML = "{http://www.w3.org/1999/xhtml}"


def test_no_script_reaches_the_epub(seed_epub):
    """No script element, no event-handler attribute, no javascript: link, no 'scripted' item."""
    with zipfile.ZipFile(seed_epub) as epub:
        names = epub.namelist()
        documents = [n for n in names if n.endswith((".xhtml", ".html"))]
        assert documents
        for name in documents:
            root = etree.fromstring(epub.read(name))
            assert root.findall(f".//{XHTML}script") == [], name
            for element in root.iter():
                for attribute, value in element.attrib.items():
                    assert not etree.QName(attribute).localname.lower().startswith("on"), (name, attribute)
                    assert not value.strip().lower().startswith("javascript:"), (name, attribute, value)
        opf = next(n for n in names if n.endswith(".opf"))
        assert b"scripted" not in epub.read(opf)
    assert not any(n.endswith(".js") for n in names)
