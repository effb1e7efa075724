"""The edition contract: every edition Octavo makes is one row of EDITIONS.

A row names the edition, the file it is written to, its media type, the
function that writes it from the rendered document, and the function that
reads a built file back for the proof. Every other module (the model's
`editions:` field, the CLI's `--edition`, the proof, the archive's media
types, the JSON Schema) reads this table, so a new edition is a new module
and one new row here (docs/extending.md gives the recipe).

Writers and readers are named as "module:function" and imported only when
used: this module is imported by the model and the CLI, which must not load
WeasyPrint or EbookLib to know the names.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edition:
    name: str
    suffix: str  # the file name after the slug: "<slug>.print.pdf"
    media_type: str
    summary: str  # one line for `octavo build --help` and the docs
    writer: str  # "module:function", called as function(rendering, target: Path)
    # "module:function", called as function(path, page, anchors) -> verify.Reading (page: render.PageGeometry;
    # anchors: the element ids whose places the proof asks for, the sections': Reading.anchors).
    reader: str
    # For an edition that does not carry the text (the cover): "module:function", called as
    # function(document, reading) -> [verify.Finding], what the proof checks in it instead of
    # every block, disclaimer and attribution (verify.check_edition).
    prover: str | None = None
    follows: str | None = None  # made whenever this edition is (the cover with the print edition)
    # The page setup whose layout the writer reads (layout.SETUPS: "trimmed page", "print sheet"),
    # None for a writer that reads none. A build lays each setup out once, in the process that
    # then writes the editions reading it, and frees it when they are written (build.py).
    setup: str | None = None
    # What the writer reads of that layout: "pages" (it paints them, and holds the layout until
    # it has), "page count" (the cover: layout.page_count) or "page starts" (where each page
    # begins: pagemap.py). The last two are kept when the layout is freed, so the build frees a
    # layout as soon as no edition still to be written reads its pages (build.py).
    reads: str = "pages"

    def filename(self, slug: str) -> str:
        return f"{slug}{self.suffix}"

    def write(self, rendering, target: Path) -> None:
        _function(self.writer)(rendering, target)

    def read(self, path: Path, page=None, anchors: tuple[str, ...] = ()):
        return _function(self.reader)(path, page, anchors)

    def prove(self, document, reading) -> list:
        return _function(self.prover)(document, reading)

    def load(self) -> None:
        """Import its writer's, reader's and prover's modules now (a build does, before it forks
        its workers, so that each inherits them instead of importing them again)."""
        for spec in (self.writer, self.reader, self.prover):
            if spec:
                _function(spec)

    @property
    def carries_text(self) -> bool:
        return self.prover is None


def _function(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module, __name__), name)


# In build order; a publication without an `editions:` field gets them all.
# The screen PDF is <slug>.pdf, the one most readers get; the others carry their name.
EDITIONS: dict[str, Edition] = {e.name: e for e in (
    Edition("print", ".print.pdf", "application/pdf", "PDF/X-4 for the print shop: CMYK, bleed, crop marks",
            ".pdf:write_print", "..verify:read_pdf", setup="print sheet"),
    Edition("cover", ".cover.pdf", "application/pdf",
            "PDF/X-4 cover spread for the print shop: back, spine and front, 3 mm bleed, the ISBN's barcode; "
            "made with the print edition", ".cover:write_cover", ".cover:read_cover", prover=".cover:prove_cover",
            follows="print", setup="print sheet", reads="page count"),
    Edition("screen", ".pdf", "application/pdf", "tagged PDF/UA-1 for reading on screen",
            ".pdf:write_screen", "..verify:read_pdf", setup="trimmed page"),
    Edition("archive", ".archive.pdf", "application/pdf", "tagged PDF/A-3u with its sources attached",
            ".pdf:write_archive", "..verify:read_pdf", setup="trimmed page"),
    Edition("epub", ".epub", "application/epub+zip", "EPUB 3 for e-readers, with the print edition's page list",
            ".epub:write_epub", "..verify:read_epub", setup="trimmed page", reads="page starts"),
    Edition("web", ".html", "text/html", "one HTML5 page for the web, with Google Scholar's citation tags",
            ".web:write_web", ".web:read_web", setup="trimmed page", reads="page starts"),
)}
EDITION_NAMES = tuple(EDITIONS)
# Names that once meant an edition: "pdf" was the only PDF, now the screen edition.
ALIASES = {"pdf": "screen"}


def with_followers(names) -> tuple[str, ...]:
    """The editions named, each followed by those that follow it (the print edition brings its cover)."""
    out = []
    for name in names:
        out += [name] + [e.name for e in EDITIONS.values() if e.follows == name]
    return tuple(dict.fromkeys(out))


def edition_for_file(path: Path) -> Edition | None:
    """The edition a built file is, by its name: the longest suffix that matches wins
    (<slug>.print.pdf is the print edition, <slug>.pdf the screen edition)."""
    name = Path(path).name
    matches = [e for e in EDITIONS.values() if name.endswith(e.suffix) and len(name) > len(e.suffix)]
    return max(matches, key=lambda e: len(e.suffix), default=None)
