"""Stage 6, verify: prove from the built files that every edition carries every
required disclaimer and attributes every contributor.

The expected words come from the rendered document (document.py); the facts
come only from the built files, read back by each edition's reader (named in
the edition registry, editions/): PDFium and pypdf for the PDF's text and
metadata, lxml for the EPUB's package document and XHTML. Nothing here looks
at the templates.

Text is compared as a "skeleton": Unicode NFKC (which unfolds ligatures),
case-folded, letters and digits only. That survives line breaks, hyphenation
at line ends, ligatures and typographic quotes; a required text must still be
present whole, so a fragment of a disclaimer does not count.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from .document import Document
from .editions import EDITIONS, edition_for_file
from .errors import OctavoError

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container", "x": "http://www.w3.org/1999/xhtml"}
BODY_PREFIX_CHARS = 60
# Running heads and folios live in the page margins. The proof reads the text
# block only, so a page break inside a paragraph does not interleave furniture
# with the text: anything nearer than this to the trimmed page's top or bottom
# edge is not counted (20 mm, in PDF points).
PAGE_FURNITURE_PT = 20 / 25.4 * 72


def skeleton(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass(frozen=True)
class Reading:
    """What a reader gets from a built file: its text and its metadata."""

    kind: str  # "PDF", "EPUB", ...
    path: Path
    text: str
    authors: tuple[str, ...]
    contributors: tuple[str, ...] | None = None  # None: this format's reader has no contributor field
    title: str = ""
    language: str = ""


@dataclass(frozen=True)
class Finding:
    edition: Reading
    what: str  # "disclaimer", "attribution", "metadata"
    subject: str
    ok: bool
    expected: str
    where: str = ""

    def __str__(self) -> str:
        status = "ok     " if self.ok else "MISSING"
        place = f" at '{self.where}'" if self.where else ""
        line = f"  {status} {self.what} {self.subject}{place}"
        return line if self.ok else f"{line}\n          expected: {self.expected}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        out, current = [], None
        for finding in self.findings:
            if finding.edition is not current:
                current = finding.edition
                out.append(f"{current.kind} {current.path}")
            out.append(str(finding))
        return out

    def summary(self) -> str:
        checked = len(self.findings)
        if self.ok:
            return f"proof: {checked} checks passed"
        missing = "\n".join(f"  {f.edition.kind} {f.edition.path}: {f.what} {f.subject}"
                            + (f" at '{f.where}'" if f.where else "") + f" is missing\n    expected: {f.expected}"
                            for f in self.failures)
        return f"proof failed: {len(self.failures)} of {checked} checks missing\n{missing}"


# ------------------------------------------------------------ reading back

def read_pdf(path: Path) -> Reading:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = "\n".join(pdf_text_blocks(path))
    info = reader.metadata or {}
    authors = tuple(a.strip() for a in str(info.get("/Author", "")).split(",") if a.strip())
    language = str(reader.trailer["/Root"].get("/Lang", ""))
    return Reading("PDF", path, text, authors, title=str(info.get("/Title", "")), language=language)


def pdf_text_blocks(path: Path) -> list[str]:
    """Each page's text block (page furniture left out), read with PDFium (the PDF engine of Chromium).

    PDFium reads it in C: pypdf's text extraction gave the same letters but
    took about 0.1 s a page, three quarters of a long paper's build
    (`make bench`); PDFium takes about 4 ms.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        blocks = []
        for page in document:
            left, bottom, right, top = page.get_trimbox()
            blocks.append(page.get_textpage().get_text_bounded(
                left, bottom + PAGE_FURNITURE_PT, right, top - PAGE_FURNITURE_PT))
        return blocks
    finally:
        document.close()


def read_epub(path: Path) -> Reading:
    with zipfile.ZipFile(path) as zf:
        container = etree.fromstring(zf.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", NS).get("full-path")
        opf = etree.fromstring(zf.read(opf_path))
        base = PurePosixPath(opf_path).parent
        manifest = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
        texts = []
        for ref in opf.iterfind(".//opf:spine/opf:itemref", NS):
            document = etree.fromstring(zf.read(str(base / manifest[ref.get("idref")])))
            body = document.find("x:body", NS)
            texts.append(" ".join(body.itertext()) if body is not None else "")
    meta = opf.find("opf:metadata", NS)
    return Reading(
        "EPUB", path, "\n".join(texts),
        authors=tuple(e.text or "" for e in meta.iterfind("dc:creator", NS)),
        contributors=tuple(e.text or "" for e in meta.iterfind("dc:contributor", NS)),
        title=" ".join(e.text or "" for e in meta.iterfind("dc:title", NS)),
        language=(meta.findtext("dc:language", "", NS)))


def read_edition(path: Path, shown_as: Path | None = None) -> Reading:
    """Read a built edition with its edition's reader; `shown_as` is the name reports
    use (a temporary file's final name), and the name that says which edition it is."""
    path = Path(path)
    edition = edition_for_file(shown_as or path)
    if edition is None:
        known = ", ".join(f"<slug>{e.suffix}" for e in EDITIONS.values())
        raise OctavoError(f"{path}: cannot check this file: Octavo's editions are named {known}")
    if not path.is_file():
        raise OctavoError(f"{path}: no such file; build it first with 'octavo build'")
    try:
        reading = edition.read(path)
    except Exception as exc:  # a damaged file is a verdict, not a crash
        raise OctavoError(f"{path}: cannot read this {edition.name} edition ({exc})") from None
    return dataclasses.replace(reading, path=shown_as) if shown_as else reading


# ------------------------------------------------------------------ checks

def check_edition(document: Document, edition: Reading) -> list[Finding]:
    return (check_disclaimers(document, edition)
            + check_attributions(document, edition)
            + check_metadata(document, edition))


def check_disclaimers(document: Document, edition: Reading) -> list[Finding]:
    text = skeleton(edition.text)
    return [Finding(edition, "disclaimer", d.id, skeleton(d.text) in text, d.text)
            for d in document.disclaimers]


def check_attributions(document: Document, edition: Reading) -> list[Finding]:
    """Each section's byline, between its title and its text, names each contributor with affiliation."""
    text = skeleton(edition.text)
    findings = []
    for section in document.sections:
        region = _byline_region(text, section)
        for contributor in section.section.attributed:
            present = region is not None and skeleton(contributor.attribution) in region
            findings.append(Finding(edition, "attribution", contributor.id, present,
                                    contributor.attribution, where=section.title))
    return findings


def _byline_region(text: str, section) -> str | None:
    body = "".join(block.text for block in section.blocks)
    start = skeleton(body)[:BODY_PREFIX_CHARS]
    found = _find_body_start(text, start) if start else None
    if found is None:
        return None
    body_at = found
    title = skeleton(section.title)
    title_at = text.rfind(title, 0, body_at)
    return text[title_at + len(title):body_at] if title_at >= 0 else None


def _find_body_start(text: str, start: str) -> int | None:
    """Where the body's first letters begin in `text`. A footnote call prints a
    number among them that the body's words do not hold (the PDF's
    ::footnote-call, the EPUB's noteref), so up to three digits may stand
    between any two letters."""
    at = text.find(start)
    if at >= 0:
        return at
    match = re.search(r"\d{0,3}".join(re.escape(ch) for ch in start), text)
    return match.start() if match else None


def check_metadata(document: Document, edition: Reading) -> list[Finding]:
    publication = document.publication
    findings = [Finding(edition, "metadata", "title", skeleton(publication.title) in skeleton(edition.title),
                        publication.title),
                Finding(edition, "metadata", "language", edition.language == publication.language,
                        publication.language)]
    for c in publication.authors:
        findings.append(Finding(edition, "metadata", f"author {c.id}", c.name in edition.authors, c.name))
    if edition.contributors is not None:
        for c in publication.editors:
            findings.append(Finding(edition, "metadata", f"editor {c.id}", c.name in edition.contributors, c.name))
    return findings


def verify(document: Document, paths: list[Path] | dict[Path, Path]) -> Report:
    """Check each edition; `paths` may map files to the names reports should show."""
    names = paths if isinstance(paths, dict) else {p: p for p in paths}
    report = Report()
    for path, shown_as in names.items():
        report.findings.extend(check_edition(document, read_edition(path, shown_as)))
    return report
