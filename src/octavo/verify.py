"""Stage 6, verify: prove from the built files that every edition carries every
required disclaimer and attributes every contributor.

The expected words come from the rendered document (document.py); the facts
come only from the built files, read back by each edition's reader (named in
the edition registry, editions/): PDFium for the PDF's text and
metadata, lxml for the EPUB's package document and XHTML. Nothing here looks
at the templates.

Each item is looked for where it belongs: every section's span is found through the
edition's own structure (Sections: a PDF's named destinations, an element's id), and its
heading, byline and blocks are looked for inside it, so text repeated elsewhere can neither
satisfy the proof nor fool it; a failure says what a reader finds there instead.

Text is compared as a "skeleton": Unicode NFKC (which unfolds ligatures),
case-folded, letters and digits only. That survives line breaks, hyphenation
at line ends, ligatures and typographic quotes; a required text must still be
present whole, so a fragment of a disclaimer does not count.
"""

from __future__ import annotations

import bisect
import ctypes
import dataclasses
import functools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from . import browser
from .document import Document
from .editions import EDITIONS, edition_for_file
from .errors import OctavoError
from .visible import html_visible_text
from .xref import PAGE

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container", "x": "http://www.w3.org/1999/xhtml"}
BODY_PREFIX_CHARS = 60
PT_PER_MM = 72 / 25.4
# Running heads and folios stand in the page's top and bottom margins (print/page.yaml).
# The proof reads the text block only, so a page break inside a paragraph does not
# interleave furniture with the text: what lies in a margin, less this much (a line's
# ascenders may reach a little above the text block), is not counted.
MARGIN_SLACK_MM = 2


def skeleton(text: str) -> str:
    """The letters and digits of `text`, compatibility-normalised and case-folded: what the
    proof compares (a line's break, a ligature, a small-caps heading change nothing)."""
    return "".join(filter(str.isalnum, unicodedata.normalize("NFKC", text).casefold()))


def expected_words(block, edition: Reading, as_shown: bool = True) -> str:
    """A block's words as this edition prints them: a paged edition prints each cross-reference
    with its page (Block.printed, xref.PAGE where the number goes); `as_shown`: with footnote
    call numbers (Block.shown), else the plain words (a footnote's own text)."""
    if edition.pages is not None and block.printed:
        return block.printed
    return (block.shown or block.text) if as_shown else block.text


def find(text: str, words: str, start: int = 0) -> tuple[int, int] | None:
    """Where `words` stand in the skeleton `text` from `start` on, as (start, end): a page
    number (xref.PAGE) may be any number, which a test checks is the right one."""
    parts = _skeleton_parts(words)
    if len(parts) == 1:
        at = text.find(parts[0], start)
        return (at, at + len(parts[0])) if at >= 0 else None
    match = re.compile(r"\d+".join(map(re.escape, parts))).search(text, start)
    return match.span() if match else None


@functools.lru_cache(maxsize=1 << 16)
def _skeleton_parts(words: str) -> tuple[str, ...]:
    """`words`' skeleton, cut at each page number: the same blocks are looked for in every
    edition a process proves, some of them more than once."""
    return tuple(skeleton(part) for part in words.split(PAGE))


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
    pages: tuple[str, ...] | None = None  # each page's text, for a paged edition
    unseen: tuple = ()  # visible.Unseen: text in the file that a reader cannot see, left out of `text`
    boxes: tuple = ()  # a print sheet's (TrimBox, BleedBox) a page, in pt, where its proof reads them (the cover)
    # Where each element the proof asked for (the sections) begins in `text`, found through the
    # file's own structure (a PDF's named destinations, an element's id): (id, offset), in text order.
    anchors: tuple[tuple[str, int], ...] = ()
    documents: tuple[tuple[str, int], ...] = ()  # an edition of several documents (EPUB): (name, where it begins)
    images: tuple = ()  # preflight.Placed: each image a PDF's pages draw, found as its text is read


@dataclass(frozen=True)
class Finding:
    edition: Reading
    what: str  # "blocks", "block", "disclaimer", "attribution", "metadata"
    subject: str
    ok: bool
    expected: str
    where: str = ""
    problem: str = "missing"  # what is wrong when not ok: "missing", "out of order", "duplicated"
    count: int = 1  # how many items it proves: all of an edition's blocks are one finding
    seen: str = ""  # what a reader finds where it belongs instead: "page 4: 'Text …'"
    # Where a proven disclaimer or attribution stands in the proof's skeleton text (Sections.text),
    # [start, end): the ink check (ink.py) renders it there.
    found_at: tuple[int, int] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        status = "ok     " if self.ok else self.problem.upper()
        place = f" at '{self.where}'" if self.where else ""
        line = f"  {status} {self.what} {self.subject}{place}"
        if self.ok:
            return line
        return f"{line}\n          expected: {self.expected}" + (f"\n          found:    {self.seen}" if self.seen else "")


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
                if current is not None:
                    out.append(f"  {self.tally(current)}")
                current = finding.edition
                out.append(f"{current.kind} {current.path}")
            out.append(str(finding))
        return out + ([f"  {self.tally(current)}"] if current is not None else [])

    def tally(self, edition: Reading) -> str:
        """"N blocks, M disclaimers, K attributions proven" for one edition ("N checks proven" for
        an edition without the text: the cover)."""
        mine = [f for f in self.findings if f.edition is edition]
        failed = sum(1 for f in mine if not f.ok)
        if not any(f.what in ("blocks", "disclaimer", "attribution") for f in mine):
            text = f"{sum(1 for f in mine if f.ok)} checks proven"
        else:
            proven = {what: sum(f.count for f in mine if f.ok and f.what == what)
                      for what in ("blocks", "disclaimer", "attribution")}
            text = (f"{proven['blocks']} blocks, {proven['disclaimer']} disclaimers, "
                    f"{proven['attribution']} attributions proven")
        return text + (f"; {failed} problem{'s' * (failed != 1)}" if failed else "")

    def summary(self) -> str:
        editions = list(dict.fromkeys(f.edition for f in self.findings))
        if self.ok:
            groups: dict[str, list[Reading]] = {}
            for e in editions:
                groups.setdefault(self.tally(e), []).append(e)
            # "T in each of 5 editions; x.cover.pdf: 9 checks proven": a lone edition is named.
            return "proof: " + "; ".join(
                f"{tally} in each of {len(group)} edition{'s' * (len(group) != 1)}"
                if len(group) > 1 or len(groups) == 1 else f"{group[0].path.name}: {tally}"
                for tally, group in groups.items())
        problems = "\n".join(f"  {f.edition.kind} {f.edition.path}: {f.what} {f.subject}"
                             + (f" at '{f.where}'" if f.where else "") + f" is {f.problem}\n    expected: {f.expected}"
                             + (f"\n    found:    {f.seen}" if f.seen else "")
                             for f in self.failures)
        return f"proof failed: {len(self.failures)} problem{'s' * (len(self.failures) != 1)}\n{problems}"


# ------------------------------------------------------------ reading back

def read_pdf(path: Path, page=None, anchors: tuple[str, ...] = ()) -> Reading:
    """A PDF edition as a reader gets it: its visible text (PDFium, visible.py), where each of
    `anchors` begins in it (its named destination: WeasyPrint writes one for every element id,
    tagged or not) and its metadata.

    Everything is read with PDFium and the XMP packet itself: pypdf took a second a file
    to reach the catalog of a long tagged PDF, whose object stream it parses whole."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    images = []
    blocks, unseen, found = pdf_text_blocks(path, page, anchors, images)
    pages = tuple(blocks)
    page_starts = [0]
    for text in pages:
        page_starts.append(page_starts[-1] + len(text) + 1)  # pages are joined by a line break
    marks = tuple(sorted(((name, page_starts[index] + at) for name, index, at in found), key=lambda m: m[1]))
    document = pypdfium2.PdfDocument(str(path))
    try:
        info = document.get_metadata_dict()
        size = pdfium_c.FPDFCatalog_GetLanguage(document.raw, None, 0)  # bytes of UTF-16LE, NUL included
        buffer = (ctypes.c_ushort * max(size // 2, 1))()
        pdfium_c.FPDFCatalog_GetLanguage(document.raw, buffer, size)
        language = bytes(buffer).decode("utf-16-le").rstrip("\0")
    finally:
        document.close()
    # The authors from the XMP packet's dc:creator sequence, one name an item: /Author is one
    # string of names joined by commas, and "Abraham Denmark, Jr." holds a comma of its own.
    authors = tuple(xmp_creators(Path(path))) or tuple(
        a.strip() for a in str(info.get("Author", "")).split(",") if a.strip())
    return Reading("PDF", path, "\n".join(pages), authors, title=str(info.get("Title", "")), language=language,
                   pages=pages, unseen=tuple(unseen), anchors=marks, images=tuple(images))


XMP_STREAM_RE = re.compile(rb"<<(?:(?!>>).)*?/Type\s*/Metadata\b(?:(?!stream).)*?>>\s*stream\r?\n", re.S)


def xmp_creators(path: Path) -> list[str]:
    """dc:creator of the document's XMP packet (ISO 32000-1, 14.3.2): the metadata stream with
    a dc:title, found in the file's bytes (a stream is never inside an object stream)."""
    import zlib

    data = path.read_bytes()
    for match in XMP_STREAM_RE.finditer(data):
        end = data.find(b"endstream", match.end())
        body = data[match.end():end].rstrip(b"\r\n")
        if b"/FlateDecode" in match.group(0):
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        if b"dc:title" not in body or b"<x:xmpmeta" not in body:
            continue
        start, stop = body.index(b"<x:xmpmeta"), body.rindex(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
        try:
            root = etree.fromstring(body[start:stop], etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        return [li.text or "" for li in root.iterfind(".//dc:creator//rdf:li", XMP_NS)]
    return []


XMP_NS = {"dc": "http://purl.org/dc/elements/1.1/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


def pdf_text_blocks(path: Path, page=None, anchors: tuple[str, ...] = (), images: list | None = None
                    ) -> tuple[list[str], list, list]:
    """Each page's visible text block (page furniture left out; visible.py says what is seen),
    read with PDFium (the PDF engine of Chromium), the text a reader cannot see, and where each
    of `anchors` begins: (id, page index, offset in the page's text).
    `page` is the render.PageGeometry the edition was laid out with (default: Octavo's own).

    PDFium reads it in C: pypdf's text extraction gave the same letters but
    took about 0.1 s a page, three quarters of a long paper's build
    (`make bench`); PDFium takes about 4 ms.
    """
    from .visible import pdf_visible_text

    return pdf_visible_text(path, *furniture_margins(page), anchors, images)


def furniture_margins(page=None) -> tuple[float, float]:
    """What the proof leaves out at the top and the foot of each page, in pt: the margins where
    the running heads and folios stand, less MARGIN_SLACK_MM (`page`: render.PageGeometry,
    default Octavo's own)."""
    from .render import DEFAULT_TEMPLATES, page_geometry

    geometry = page or page_geometry([DEFAULT_TEMPLATES])
    return (geometry.top - MARGIN_SLACK_MM) * PT_PER_MM, (geometry.bottom - MARGIN_SLACK_MM) * PT_PER_MM


# An EPUB's zip may not unpack to more than this, nor any entry grow more than this many times:
# a zip bomb of a few megabytes would otherwise unpack to gigabytes in the reader.
EPUB_UNPACKED_BYTES = 256 * 1024 ** 2
EPUB_MAX_RATIO = 200


def read_epub(path: Path, page=None, anchors: tuple[str, ...] = ()) -> Reading:
    """The EPUB as a reading system shows it: the visible text of each spine document in order,
    where each of `anchors` (element ids) begins in it, and the package document's metadata."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > EPUB_UNPACKED_BYTES or any(
                i.file_size > 1024 ** 2 and i.file_size > EPUB_MAX_RATIO * max(i.compress_size, 1) for i in infos):
            raise OctavoError(f"{path}: the zip unpacks to more than Octavo reads in an EPUB "
                              f"({EPUB_UNPACKED_BYTES // 1024 ** 2} MB in all, {EPUB_MAX_RATIO} times an entry's size)")
        container = etree.fromstring(zf.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", NS).get("full-path")
        opf = etree.fromstring(zf.read(opf_path))
        base = PurePosixPath(opf_path).parent
        manifest = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", NS)}
        spine = []
        for ref in opf.iterfind(".//opf:spine/opf:itemref", NS):
            name = PurePosixPath(zip_path(base, manifest[ref.get("idref")]))
            document = etree.fromstring(zf.read(str(name)))
            # What the book's own CSS shows (visible.py): the stylesheets it links, in order.
            sheets = [zf.read(zip_path(name.parent, link.get("href"))).decode("utf-8", "replace")
                      for link in document.iterfind(".//x:head/x:link", NS)
                      if "stylesheet" in (link.get("rel") or "").split()]
            spine.append((name, document, sheets))
        judged = _judged_in_chromium(zf, [name for name, _, _ in spine])
        texts, unseen, marks, documents, length = [], [], [], [], 0
        for number, (name, document, sheets) in enumerate(spine, start=1):
            text, hidden, ids = html_visible_text(document, sheets, number, judged.get(str(name)))
            documents.append((str(name), length))
            marks += [(i, length + at) for i, at in ids]
            texts.append(text)
            length += len(text) + 1  # documents are joined by a line break
            unseen.extend(hidden)
    meta = opf.find("opf:metadata", NS)
    return Reading(
        "EPUB", path, "\n".join(texts),
        authors=tuple(e.text or "" for e in meta.iterfind("dc:creator", NS)),
        contributors=tuple(e.text or "" for e in meta.iterfind("dc:contributor", NS)),
        title=" ".join(e.text or "" for e in meta.iterfind("dc:title", NS)),
        language=(meta.findtext("dc:language", "", NS)), unseen=tuple(unseen),
        anchors=first_marks(marks, anchors), documents=tuple(documents))


def _judged_in_chromium(zf: zipfile.ZipFile, names: list[PurePosixPath]) -> dict:
    """The browser's verdicts on each document (seen.Verdicts), by document name: the EPUB
    unpacked into a temporary folder (within the limits checked above), so that Chromium lays
    each document out with its own stylesheets, fonts and images."""
    import tempfile

    from .seen import judged_in_chromium

    if not names:
        return {}
    with tempfile.TemporaryDirectory(prefix="octavo-epub-") as tmp:
        zf.extractall(tmp)  # zipfile keeps every entry inside tmp (no absolute path, no "..")
        found = judged_in_chromium([Path(tmp, *name.parts) for name in names])
        return {str(name): found[Path(tmp, *name.parts)] for name in names}


def first_marks(marks, wanted: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """Of the (id, offset) marks an (X)HTML reader found, the first of each id in `wanted`, in text order."""
    wanted, first = set(wanted), {}
    for name, at in marks:
        if name in wanted:
            first.setdefault(name, at)
    return tuple(sorted(first.items(), key=lambda mark: mark[1]))


def zip_path(folder: PurePosixPath, href: str) -> str:
    """A link's target inside the zip: percent-decoded (an href is a URL), "../" resolved (an
    EPUB's paths are relative to the document), fragment dropped. The proof and the retail check
    both follow links with it."""
    parts: list[str] = []
    for part in (folder / unquote(href.split("#")[0])).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def read_edition(path: Path, shown_as: Path | None = None, page=None, anchors: tuple[str, ...] = ()) -> Reading:
    """Read a built edition with its edition's reader; `shown_as` is the name reports
    use (a temporary file's final name), and the name that says which edition it is;
    `anchors`: the ids whose places the proof asks for (anchors_of)."""
    path = Path(path)
    edition = edition_for_file(shown_as or path)
    if edition is None:
        known = ", ".join(f"<slug>{e.suffix}" for e in EDITIONS.values())
        raise OctavoError(f"{path}: cannot check this file: Octavo's editions are named {known}")
    if not path.is_file():
        raise OctavoError(f"{path}: no such file; build it first with 'octavo build'")
    try:
        reading = edition.read(path, page, anchors)
    except OctavoError:
        raise
    except Exception as exc:  # a damaged file is a verdict, not a crash
        raise OctavoError(f"{path}: cannot read this {edition.name} edition ({exc})") from None
    return dataclasses.replace(reading, path=shown_as) if shown_as else reading


# ------------------------------------------------------------------ checks

# The element the back matter opens with (partials/front.html: the contributors' heading): the
# last section ends there. A house style without it ends the last section at the text's end.
BACK_MATTER_ID = "contributors"
# The section's heading opens its span; what may stand before it (letters and digits), such as a
# number a house style prints before each heading.
HEADING_SLACK = 12
EXCERPT_CHARS = 80


def anchors_of(document: Document) -> tuple[str, ...]:
    """The ids whose places the proof asks each reader for: each section's element, and the back matter's."""
    return tuple(s.id for s in document.sections) + (BACK_MATTER_ID,)


@dataclass
class Sections:
    """An edition's text as the proof reads it (its skeleton), cut where each section begins.

    Each section's span runs from where its element begins (Reading.anchors: a PDF's named
    destination, an (X)HTML element's id) to where the next section's, or the back matter's,
    begins. Everything a section must show is looked for inside its span, so text that also
    stands elsewhere (a heading's word used before, the title quoted in the body, the same
    sentence in two chapters) can neither satisfy the proof nor fool it."""

    reading: Reading
    text: str
    spans: dict[str, tuple[int, int]]  # section id -> [start, end) in `text`
    note_ends: dict[str, int]  # where a section's notes may stand until (paged: the end of the next section's first page)
    parts: list[tuple[int, str]]  # (where it begins in `text`, "page 3" or a document's name)
    segments: list[tuple[int, int]]  # (offset in the reading's text, offset in `text`) where each cut begins
    problems: list[Finding]

    @classmethod
    def of(cls, document: Document, reading: Reading) -> "Sections":
        raw = reading.text
        if reading.pages is not None:
            parts, at = [], 0
            for number, page in enumerate(reading.pages, start=1):
                parts.append((at, f"page {number}"))
                at += len(page) + 1
        else:
            parts = list((at, name) for name, at in reading.documents) or [(0, reading.path.name)]
        anchors = dict(reading.anchors)
        points = sorted({0, len(raw), *(at for at, _ in parts), *anchors.values()})
        pieces, segments, length = [], [], 0
        for start, end in zip(points, points[1:] + [len(raw)]):
            segments.append((start, length))
            piece = skeleton(raw[start:end])
            pieces.append(piece)
            length += len(piece)
        skeleton_at = dict(segments)
        text = "".join(pieces)
        parts = [(skeleton_at[at], name) for at, name in parts]
        sections = cls(reading, text, {}, {}, parts, segments, [])
        starts, last = {}, -1
        for section in document.sections:
            if section.id not in anchors:
                sections.problems.append(Finding(reading, "section", section.id, False, section.title,
                                                 where=section.title, count=0,
                                                 seen=f"no element or destination '{section.id}' in the edition"))
            elif skeleton_at[anchors[section.id]] < last:
                sections.problems.append(Finding(reading, "section", section.id, False, section.title,
                                                 where=section.title, problem="out of order", count=0,
                                                 seen=sections.at(skeleton_at[anchors[section.id]])))
            else:
                starts[section.id] = last = skeleton_at[anchors[section.id]]
        bounds = sorted(set(starts.values()) | ({skeleton_at[anchors[BACK_MATTER_ID]]}
                                                 if BACK_MATTER_ID in anchors else set()))
        for section_id, start in starts.items():
            end = next((b for b in bounds if b > start), len(text))
            sections.spans[section_id] = (start, end)
            # In a paged edition the notes of a section's last page stand at its foot, which may
            # come after the next section's start on that page (or, where the layout pushed a note
            # on, at the foot of the page where the next section begins: the page check says so).
            sections.note_ends[section_id] = end if reading.pages is None else sections.part_end(end)
        return sections

    def pages(self) -> list[str]:
        """Each page's skeleton (a paged edition's parts are its pages)."""
        starts = [at for at, _ in self.parts] + [len(self.text)]
        return [self.text[start:end] for start, end in zip(starts, starts[1:])]

    def part_of(self, at: int) -> tuple[int, str]:
        return self.parts[max(0, bisect.bisect_right([p for p, _ in self.parts], at) - 1)]

    def part_end(self, at: int) -> int:
        """The end of the page (or document) holding `at`."""
        starts = [p for p, _ in self.parts]
        index = bisect.bisect_right(starts, at)
        return starts[index] if index < len(starts) else len(self.text)

    def at(self, at: int) -> str:
        """What a reader finds from `at` on: "page 4: 'The dispute …'", in the edition's own words."""
        return f"{self.part_of(at)[1]}: '{self.excerpt(at)}'"

    def excerpt(self, at: int, end: int | None = None) -> str:
        """The reading's own text from skeleton offset `at` (to `end`, or EXCERPT_CHARS characters)."""
        raw = self.reading.text
        index = max(0, bisect.bisect_right([s for _, s in self.segments], at) - 1)
        position, count = self.segments[index]
        while count < at and position < len(raw):
            count += len(skeleton(raw[position]))
            position += 1
        stop = position
        while stop < len(raw) and (count < end if end is not None else stop - position < EXCERPT_CHARS * 2):
            count += len(skeleton(raw[stop]))
            stop += 1
        words = " ".join(raw[position:stop].split())
        if end is None and len(words) > EXCERPT_CHARS:
            words = words[:EXCERPT_CHARS] + "…"
        return words or "(nothing)"


class Cut:
    """A span of the text with some stretches taken out (the notes, proven on their own), and
    the way back from an offset in it to one in the whole text."""

    def __init__(self, text: str, start: int, end: int, removed: list[tuple[int, int]]):
        self.pieces, kept, at = [], [], start
        for cut_start, cut_end in sorted(removed):
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > at:
                self.pieces.append((sum(len(k) for k in kept), at))
                kept.append(text[at:cut_start])
            at = max(at, cut_end)
        if at < end:
            self.pieces.append((sum(len(k) for k in kept), at))
            kept.append(text[at:end])
        self.text = "".join(kept)
        self.end = end

    def whole(self, at: int) -> int:
        """The offset in the whole text of offset `at` in this cut."""
        for local, start in reversed(self.pieces):
            if at >= local:
                return start + at - local
        return self.end if not self.pieces else self.pieces[0][1]


def check_edition(document: Document, edition: Reading, drawn: Path | None = None,
                  strangers: bool = False) -> list[Finding]:
    """Every check of an edition that carries the text; with `drawn`, the PDF file it was read
    from, its title, disclaimers and bylines are also judged by their ink (check_ink)."""
    sections = Sections.of(document, edition)
    proven = _prove_sections(document, sections)
    findings = (sections.problems + check_title(document, sections) + proven.blocks
                + check_disclaimers(document, edition, sections)
                + proven.attributions
                + check_metadata(document, edition)
                + check_off_the_page(edition))
    findings = [_why_unseen(f) for f in findings]
    if drawn is not None and edition.pages is not None:
        findings = check_ink(document, sections, findings, drawn, strangers)
    return findings


def check_print(reading: Reading, document: Document | None = None) -> list[Finding]:
    """What a print shop's preflight refuses (preflight.py): an image printed under MIN_DPI,
    among those the PDF's reading found on its pages (read_pdf), named by the file and line that
    show it where its pixels tell which (a house style's print CSS sized it: build and validate
    predict the others before any layout)."""
    from .preflight import MIN_DPI, low_resolution, shown_images

    found = low_resolution(reading.path, MIN_DPI, list(reading.images))
    shown = shown_images(document.publication) if found and document is not None else []
    findings = []
    for image in found:
        sources = [s for s in shown if s.pixels == image.pixels]
        named = f"'{sources[0].name}' ({sources[0].where}) " if len(sources) == 1 else ""
        findings.append(Finding(reading, "image", f"{named}on page {image.page}", False,
                                f"at least {MIN_DPI} dpi at its printed size: give an image with more pixels",
                                count=0, problem=f"under {MIN_DPI} dpi, which a print shop sends back", seen=str(image)))
    return findings


def check_title(document: Document, sections: Sections) -> list[Finding]:
    """The title where a reader meets it: before the first section (the title page, the web
    page's header). Its metadata is checked apart (check_metadata)."""
    title = document.publication.title
    words = skeleton(title)
    front_end = min((start for start, _ in sections.spans.values()), default=len(sections.text))
    at = sections.text.find(words, 0, front_end) if words else -1
    return [Finding(sections.reading, "title", "", at >= 0, title, count=0,
                    found_at=(at, at + len(words)) if at >= 0 else None,
                    seen="" if at >= 0 else f"before the first section: '{sections.excerpt(0, front_end)[:SHOWN_CHARS]}'")]


def check_ink(document: Document, sections: Sections, findings: list[Finding], drawn: Path,
              strangers: bool = False) -> list[Finding]:
    """The title (where it first stands, before the first section), and each disclaimer and
    byline where the proof found it, as the page draws them (ink.py): a text the page draws in
    no ink a reader can read, or in glyphs that read otherwise, is hidden."""
    from .ink import Required, unread

    # A disclaimer found out of its place is judged too: drawn where no reader can see it
    # (a transparency group the page paints last), "hidden" is what a reader would say.
    # Each is known by its finding's index: one contributor is credited in several sections.
    language = document.publication.language
    wanted = [(Required(f.what, str(index), f.expected, language), f.found_at) for index, f in enumerate(findings)
              if f.found_at and f.what in ("title", "disclaimer", "attribution")]
    places = [place for required, span in wanted for place in _places(sections, required, span)]
    margins = furniture_margins(document.page)
    verdicts = (run_guarded(unread, drawn, places, *margins) if strangers else unread(drawn, places, *margins))
    failed: dict[int, str] = {}
    for verdict in verdicts:
        failed.setdefault(int(verdict.required.subject), f"hidden ({verdict.why}, page {verdict.page})")
    return [dataclasses.replace(f, ok=False, problem=failed[index]) if index in failed else f
            for index, f in enumerate(findings)]


def _places(sections: Sections, required, span: tuple[int, int]) -> list:
    """The parts of [start, end) of the skeleton text on each page, as ink.Place."""
    from .ink import Place

    start, end = span
    places = []
    starts = [at for at, _ in sections.parts] + [len(sections.text)]
    for index, page_start in enumerate(starts[:-1]):
        page_end = starts[index + 1]
        low, high = max(start, page_start), min(end, page_end)
        if low >= high:
            continue
        letters = sections.text[low:high]
        occurrence = sections.text.count(letters, page_start, low + len(letters) - 1)
        places.append(Place(required, index, letters, occurrence))
    return places


def check_off_the_page(edition: Reading) -> list[Finding]:
    """A glyph outside the trim box is cut off (print) or off the page (screen): the edition fails."""
    return [Finding(edition, "text", f"on page {u.page}", False, " ".join(u.text.split())[:SHOWN_CHARS],
                    problem="outside the trim box", count=0)
            for u in edition.unseen if u.why == "outside the trim box"]


def _why_unseen(finding: Finding) -> Finding:
    """A missing item that the file holds where no reader can see it: say where and why."""
    if finding.ok or finding.problem != "missing" or not finding.expected:
        return finding
    key = skeleton(finding.expected)[:BODY_PREFIX_CHARS]
    if not key:
        return finding
    for unseen in finding.edition.unseen:
        if key in skeleton(unseen.text):
            where = f", page {unseen.page}" if unseen.page else ""
            return dataclasses.replace(finding, problem=f"hidden ({unseen.why}{where})")
    # A text the page draws in several objects (a title over two lines) is unseen in pieces.
    pieces = list(finding.edition.unseen)
    for index, first in enumerate(pieces):
        joined = ""
        for unseen in pieces[index:]:
            if unseen.page != first.page:
                break
            joined += skeleton(unseen.text)
            if key in joined:
                where = f", page {first.page}" if first.page else ""
                return dataclasses.replace(finding, problem=f"hidden ({first.why}{where})")
            if not key.startswith(joined):
                break
    return finding


# A block this long is unlikely to recur by chance: found again outside its place, it is duplicated.
DUPLICATE_MIN_CHARS = 40
SHOWN_CHARS = 160


def check_blocks(document: Document, edition: Reading) -> list[Finding]:
    """Every block of the document in its section, in reading order, once (_prove_sections)."""
    sections = Sections.of(document, edition)
    return sections.problems + _prove_sections(document, sections).blocks


def check_attributions(document: Document, edition: Reading) -> list[Finding]:
    """Each section's byline, between its heading and its text, names each contributor with affiliation."""
    return _prove_sections(document, Sections.of(document, edition)).attributions


@dataclass
class _Proven:
    blocks: list[Finding]
    attributions: list[Finding]


def _prove_sections(document: Document, sections: Sections) -> _Proven:
    """Each section, inside its own span: its heading first, then its byline naming each
    contributor credited with it, then its blocks in reading order, each once.

    The footnotes first: each note's text (with its number, which the PDF prints before it at
    the page foot, in the middle of a paragraph that runs on to the next page) is found in
    order in its section's span (a paged edition's: to the end of the page where the next
    section begins) and cut out. Then the body's blocks, as a reader sees them (footnote calls
    with their numbers), each after the one before. What lies between two blocks may not hold
    a long block again."""
    edition, text = sections.reading, sections.text
    located = [(s, b) for s in document.sections for b in s.blocks]
    attributions = []
    unplaced = {s.id for s in document.sections} - set(sections.spans)
    blocks, cuts = _cut_notes(document, sections, unplaced)
    notes = [(s, b) for s, b in located if b.kind == "footnote" and s.id not in unplaced]
    body = []
    for section in document.sections:
        if section.id in unplaced:
            for contributor in section.section.attributed:
                attributions.append(Finding(edition, "attribution", contributor.id, False, contributor.attribution,
                                            where=section.title, seen="the section is not in this edition"))
            continue
        span = Cut(text, *sections.spans[section.id], cuts)
        head_end = _heading(section, span, sections, blocks)
        cursor, credits, altered = _byline(section, span, head_end, edition, sections,
                                           getattr(document, "bylines", {}).get(section.id, ""))
        attributions += credits
        failed_before = len(blocks)
        gaps, found_any = [], False
        for block in (b for b in section.blocks if b.kind != "footnote"):
            body.append((section, block))
            words = expected_words(block, edition)
            found = find(span.text, words, cursor)
            if found is None:
                blocks.append(_block_problem(edition, section, block,
                                             "out of order" if find(span.text, words, head_end) else "missing",
                                             sections.at(span.whole(cursor))))
                continue
            if found_any:
                gaps.append(span.text[cursor:found[0]])
            found_any, cursor = True, found[1]
        gaps.append(span.text[cursor:])
        if altered is not None and len(blocks) == failed_before:
            # Only where the text is in order does the byline's end say where the text begins.
            attributions.append(altered)
        between = "\0".join(gaps)
        failed = {f.subject for f in blocks}
        for block in (b for b in section.blocks if b.kind != "footnote"):
            words = expected_words(block, edition)
            if f"{block.kind} {block.id}" in failed:
                continue  # missing or out of order already: its text between other blocks is no second copy
            if len(skeleton(words)) >= DUPLICATE_MIN_CHARS and find(between, words):
                blocks.append(_block_problem(edition, section, block, "duplicated"))
    if edition.pages is not None:
        blocks += _notes_off_their_page(sections, body, notes)
    unproven = sum(len(s.blocks) for s in document.sections if s.id in unplaced)
    proven = len(located) - len(blocks) - unproven
    return _Proven([Finding(edition, "blocks", f"{proven} of {len(located)}", True, "", count=proven)] + blocks,
                   attributions)


def _cut_notes(document: Document, sections: Sections, unplaced: set) -> tuple[list[Finding], list[tuple[int, int]]]:
    """Each section's footnotes found in order in its notes' span and cut out of the text: the
    problems with those not found there, and the stretches to cut, (start, end)."""
    edition, text = sections.reading, sections.text
    problems, cuts = [], []
    for section in (s for s in document.sections if s.id not in unplaced):
        cursor = start = sections.spans[section.id][0]
        note_end = sections.note_ends[section.id]
        for block in (b for b in section.blocks if b.kind == "footnote"):
            words = expected_words(block, edition, as_shown=False)
            found = find(text, words, cursor)
            if found is None or found[1] > note_end:
                before = find(text, words, start)
                problems.append(_block_problem(edition, section, block,
                                               "out of order" if before and before[1] <= note_end else "missing",
                                               sections.at(cursor)))
                continue
            at, end = found
            label = block.label
            begin = at - len(label) if label and text.startswith(label, at - len(label)) else at
            cuts.append((max(begin, cursor), end))
            cursor = end
    return problems, cuts


def _heading(section, span: Cut, sections: Sections, problems: list[Finding]) -> int:
    """Where the section's heading ends in its span; the heading opens the span."""
    title = skeleton(section.title)
    at = span.text.find(title, 0, len(title) + HEADING_SLACK) if title else 0
    if at < 0:
        problems.append(Finding(sections.reading, "heading", section.id, False, section.title, where=section.title,
                                count=0, seen=sections.at(span.whole(0))))
        return 0
    return at + len(title)


def _byline(section, span: Cut, head_end: int, edition: Reading, sections: Sections,
            expected: str = "") -> tuple[int, list[Finding], Finding | None]:
    """Each credited contributor's attribution between the heading and the first block, and
    where the blocks are looked for from: after the byline, so that words of the byline
    (a contributor's name) cannot stand for the text's first block. Between them stand the
    byline's words and nothing else (`expected`: Document.bylines), so a byline cannot also
    credit someone else, or put other words around the credits: the finding that it does is
    returned apart, as it holds only where the section's blocks are in order."""
    credited = section.section.attributed
    first = next((b for b in section.blocks if b.kind != "footnote"), None)

    def first_at(start: int) -> int | None:
        found = find(span.text, expected_words(first, edition), start) if first is not None else None
        return found[0] if found else None

    wanted = [skeleton(c.attribution) for c in credited]
    body_at = first_at(head_end)
    body_at = len(span.text) if body_at is None else body_at
    region = span.text[head_end:body_at]
    cursor = head_end
    if not all(w in region for w in wanted):
        # The first block's words may stand inside the byline itself (a table's first cell
        # holding a name): the byline read first, then the text after it.
        ends, at = [], head_end
        for w in wanted:
            found = span.text.find(w, at)
            if found < 0:
                break
            ends.append(found + len(w))
            at = found + len(w)
        if len(ends) == len(wanted) and first_at(at) is not None:
            body_at = first_at(at)
            region = span.text[head_end:body_at]
    findings = []
    for contributor, words in zip(credited, wanted):
        at = region.find(words)
        if at >= 0:
            cursor = max(cursor, head_end + at + len(words))
            findings.append(Finding(edition, "attribution", contributor.id, True, contributor.attribution,
                                    where=section.title, found_at=(span.whole(head_end + at),
                                                                   span.whole(head_end + at + len(words) - 1) + 1)))
            continue
        elsewhere = span.text.find(words)
        seen = (f"{sections.part_of(span.whole(head_end))[1]}: between the heading and the text: "
                f"'{sections.excerpt(span.whole(head_end), span.whole(body_at))[:SHOWN_CHARS]}'")
        findings.append(Finding(edition, "attribution", contributor.id, False, contributor.attribution,
                                where=section.title,
                                problem="missing" if elsewhere < 0 else "not in the byline",
                                seen=seen if elsewhere < 0 else
                                f"{sections.at(span.whole(elsewhere))}, not between the heading and the text"))
    altered = None
    # Numbers may follow the credits before the text's first letters: a list's marker ("1."), a
    # note's call standing alone, which a paged edition draws as text. They credit nobody.
    if expected and all(f.ok for f in findings) and \
            _numbers_trimmed(skeleton(region)) != _numbers_trimmed(skeleton(expected)):
        altered = Finding(edition, "byline", section.id, False, " / ".join(expected.splitlines()),
                          where=section.title, problem="not the credited byline", count=0,
                          seen=f"{sections.part_of(span.whole(head_end))[1]}: between the heading and the "
                               f"text: '{sections.excerpt(span.whole(head_end), span.whole(body_at))[:SHOWN_CHARS]}'")
    return cursor, findings, altered


def _notes_off_their_page(sections: Sections, body, notes) -> list[Finding]:
    """In a paged edition, each footnote on the page of its call (CSS GCPM 3: never before it;
    Octavo: never after it either, footnote-policy: line moves the call's line instead)."""
    edition = sections.reading
    pages = sections.pages()
    note_page = {}
    start = 0
    for _, block in notes:
        if not block.label:
            continue
        words = expected_words(block, edition, as_shown=False)
        found = next((n for n in range(start, len(pages)) if find(pages[n], words)), None)
        if found is not None:
            note_page[block.label], start = found, found
    findings, start = [], 0
    for section, block in body:
        for number, before in block.calls:
            if number not in note_page:
                continue  # not found at all (reported as missing), or a second call of a note already placed
            expected = note_page.pop(number)
            # The call with the words before it, shortened until it lies on one page
            # (the words may begin on the page before).
            for width in (24, 12, 4):
                key = _tail(before, width) + number
                found = next((n for n in range(start, len(pages)) if find(pages[n], key)), None)
                if found is not None:
                    break
            if found is None:
                continue
            start = found
            if found != expected:
                findings.append(Finding(
                    edition, "footnote", number, False,
                    f"note {number} on page {found + 1}, where it is called, not on page {expected + 1}",
                    where=str(section.location(block)), problem="on another page", count=0))
    return findings


def _tail(words: str, width: int) -> str:
    """The end of `words` that holds `width` letters and digits, a page number (xref.PAGE) counted as one."""
    if PAGE not in words:
        return skeleton(words)[-width:]
    count = 0
    for at in range(len(words) - 1, -1, -1):
        count += words[at].isalnum() or words[at] == PAGE
        if count == width:
            return words[at:]
    return words


def _block_problem(edition: Reading, section, block, problem: str, seen: str = "") -> Finding:
    words = " ".join(block.text.split())
    shown = words if len(words) <= SHOWN_CHARS else words[:SHOWN_CHARS] + "…"
    return Finding(edition, "block", f"{block.kind} {block.id}", False, shown, where=str(section.location(block)),
                   problem=problem, count=0, seen=seen)


def check_disclaimers(document: Document, edition: Reading, sections: Sections | None = None) -> list[Finding]:
    """Each disclaimer in its own place: an inline one inside its paragraph (a block, which
    _prove_sections finds in its section), an imprint one in the imprint, between its heading
    and the rights line, outside every section (the front matter, or the web page's footer).
    Anywhere else in the file is not enough."""
    sections = sections or Sections.of(document, edition)
    text = sections.text
    front_end = min((start for start, _ in sections.spans.values()), default=len(text))
    back_start = max((end for _, end in sections.spans.values()), default=len(text))
    heading, rights = (skeleton(part) for part in document.imprint)
    start, end = -1, -1
    for low, high in ((0, front_end), (back_start, len(text))):
        start = text.find(heading, low, high) if heading else -1
        end = text.find(rights, start, high) if start >= 0 and rights else -1
        if 0 <= start < end:
            break
    imprint = text[start:end] if 0 <= start < end else ""
    findings = []
    for d in document.disclaimers:
        words = skeleton(d.text)
        if d.placement == "imprint" and words in text and words not in imprint:
            at = text.find(words)
            findings.append(Finding(edition, "disclaimer", d.id, False, d.text, problem="not in the imprint",
                                    seen=sections.at(at), found_at=(at, at + len(words))))
        else:
            at = text.find(words, max(start, 0)) if d.placement == "imprint" and imprint else text.find(words)
            findings.append(Finding(edition, "disclaimer", d.id, words in text, d.text,
                                    seen=(sections.at(start) if start >= 0 else "") if d.placement == "imprint" else "",
                                    found_at=(at, at + len(words)) if words and at >= 0 else None))
    return findings


def _numbers_trimmed(words: str) -> str:
    end = len(words)
    while end and words[end - 1].isdigit():
        end -= 1
    return words[:end]


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


def verify(document: Document, paths: list[Path] | dict[Path, Path], strangers: bool = False) -> Report:
    """Check each edition; `paths` may map files to the names reports should show.

    With `strangers` (`octavo check` on files from anywhere), each file is read in a child
    process with a memory and a time limit (read_guarded): a decompression bomb or a file
    made to stall the reader is refused instead of taking the machine with it."""
    names = paths if isinstance(paths, dict) else {p: p for p in paths}
    report = Report()
    with browser.kept():  # an EPUB and a web page judged in one Chromium
        for path, shown_as in names.items():
            read = read_guarded if strangers else read_edition
            reading = read(path, shown_as, document.page, anchors_of(document))
            edition = edition_for_file(shown_as)
            # An edition that does not carry the text (the cover) says what its proof is.
            report.findings.extend(edition.prove(document, reading) if edition and edition.prover
                                   else check_edition(document, reading, Path(path), strangers))
            if edition and edition.name == "print":
                report.findings.extend(check_print(reading, document))
    return report


# What reading one file a stranger gives us may take (octavo check).
STRANGER_MEMORY_BYTES = 2 * 1024 ** 3
STRANGER_SECONDS = 300
STRANGER_FILE_BYTES = 512 * 1024 ** 2


def read_guarded(path: Path, shown_as: Path | None = None, page=None, anchors: tuple[str, ...] = (),
                 memory: int = STRANGER_MEMORY_BYTES) -> Reading:
    """read_edition in a child process limited to STRANGER_MEMORY_BYTES of memory and
    STRANGER_SECONDS of time, on a regular file of at most STRANGER_FILE_BYTES."""
    return run_guarded(read_edition, Path(path), shown_as, page, anchors, memory=memory)


def run_guarded(function, path: Path, *args, memory: int = STRANGER_MEMORY_BYTES):
    """function(path, *args) in a child process, on a stranger's file: a regular file of at most
    STRANGER_FILE_BYTES, read with at most `memory` bytes and STRANGER_SECONDS of time
    (read_guarded for the proof; retail.py for the retailer check)."""
    import multiprocessing
    import os
    import stat
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as Timeout
    from concurrent.futures.process import BrokenProcessPool

    if not os.path.lexists(path):
        raise OctavoError(f"{path}: no such file; build it first with 'octavo build'")
    try:
        status = os.stat(path)
    except OSError as exc:
        raise OctavoError(f"{path}: cannot read it ({exc.strerror})") from None
    if not stat.S_ISREG(status.st_mode):
        raise OctavoError(f"{path}: not a regular file; check reads built editions only")
    if status.st_size > STRANGER_FILE_BYTES:
        raise OctavoError(f"{path}: {status.st_size:,} bytes, over the {STRANGER_FILE_BYTES:,}-byte limit for a file to check")
    from .parallel import limit_memory

    # The soft limit only: the browser a reader starts (seen.py) lifts it for itself, which it
    # must to start at all; the reading itself runs under it.
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=limit_memory,
                               initargs=(memory,))
    try:
        return pool.submit(function, path, *args).result(timeout=STRANGER_SECONDS)
    except Timeout:
        raise OctavoError(f"{path}: reading it took more than {STRANGER_SECONDS} s; refused") from None
    except (BrokenProcessPool, MemoryError):
        raise OctavoError(f"{path}: reading it needed more than {memory // 1024 ** 2:,} MB of memory "
                          "(a decompression bomb?); refused") from None
    finally:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

