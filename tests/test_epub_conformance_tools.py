"""`make conformance`'s checks (tools/conformance.py) fail on broken EPUBs and name what is wrong.

They need pandoc, calibre and DAISY Ace, which `make conformance` installs; a
machine without one of them skips that tool's test (CI's clean clone has no Ace).
"""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path

import pytest


from conftest import REPO

FEATURES = REPO / "tests" / "fixtures" / "epub-content" / "grid-resilience"
ACE = REPO / ".conformance" / "node_modules" / ".bin" / "ace-cli"

_spec = importlib.util.spec_from_file_location("conformance", REPO / "tools" / "conformance.py")
conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conformance)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from octavo.build import build_publication

    result = build_publication(FEATURES, tmp_path_factory.mktemp("conformance"))
    return next(p for p in result.outputs if p.suffix == ".epub"), result.document


def _altered(epub: Path, target: Path, name: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                assert old in data, (old, name)
                data = data.replace(old, new)
            out.writestr(info, data)
    return target


@pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is installed by `make conformance`")
def test_pandoc_check_names_a_missing_disclaimer(built, tmp_path):
    epub, document = built
    assert conformance.pandoc(epub, document) == []
    broken = _altered(epub, tmp_path / "b.epub", "EPUB/imprint.xhtml", b"fictional test publication", b"publication")
    assert conformance.pandoc(broken, document) == ["disclaimer 'house-fiction' missing"]


@pytest.mark.skipif(not shutil.which("ebook-meta"), reason="calibre is installed by `make conformance`")
def test_calibre_check_names_a_missing_author(built, tmp_path):
    epub, document = built
    publication = document.publication
    assert conformance.calibre(epub, publication) == []
    broken = _altered(epub, tmp_path / "b.epub", "EPUB/content.opf",
                      b'<dc:creator id="contributor-li-wei">Li Wei</dc:creator>', b"")
    problems = conformance.calibre(broken, publication)
    assert len(problems) == 1 and problems[0].startswith("author 'Li Wei' not in")


NEEDS_ACE = pytest.mark.skipif(not (ACE.exists() and Path("/usr/bin/chromium").exists()),
                               reason="DAISY Ace is installed by `make conformance`")


@NEEDS_ACE
def test_ace_finds_no_violation_in_the_feature_fixture(built, tmp_path, monkeypatch):
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    assert conformance.ace(str(ACE), built[0], tmp_path / "ace") == []


@NEEDS_ACE
def test_ace_finds_no_violation_in_the_second_publication(distribution_outputs, tmp_path, monkeypatch):
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    assert conformance.ace(str(ACE), distribution_outputs["epub"], tmp_path / "ace") == []


@NEEDS_ACE
def test_ace_reports_an_image_without_alt_text(built, tmp_path, monkeypatch):
    epub, _ = built
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    broken = _altered(epub, tmp_path / "b.epub", "EPUB/sec-03-storage.xhtml", b'alt="Bar chart', b'data-described="Bar chart')
    violations = conformance.ace(str(ACE), broken, tmp_path / "ace")
    assert any("image-alt" in v and "sec-03-storage.xhtml" in v for v in violations), violations
