"""Stage 4a, the PDF editions: Octavo's HTML laid out by WeasyPrint, once per reader.

Three people read the PDF, and each gets an edition from the same content,
templates and layout (so page numbers agree between them):

- print: for the print shop that trims and binds it. PDF/X-4 (ISO 15930-7)
  with a CMYK output intent, 3 mm bleed, crop marks, TrimBox and BleedBox,
  and no annotations (PDF/X allows none in the printable area).
- screen: for a reader on screen. Tagged PDF claiming PDF/UA-1 (ISO 14289-1):
  document title displayed, language set, live links, a bookmark per section.
  Named <slug>.pdf: it is the edition most people get.
- archive: for an archivist. PDF/A-3u (ISO 19005-3), tagged as well, with the
  publication's source files attached as associated files (AFRelationship
  /Source), complete XMP metadata and reproducible bytes.

The recipe for each: render the document HTML from the shared partials, lay
it out with a URL fetcher that can only read the publication, the templates
and the colour profile, and let WeasyPrint write the PDF; a finisher then
completes the XMP packet WeasyPrint wrote (rights, date, identifiers,
publisher) before the file is serialised. Any WeasyPrint warning fails the
build: for our own templates a warning is a bug.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from .errors import RenderError
from .markdown import images_in
from .model import PUBLICATION_FILE, PUBLISHER_FILE, Publication
from .render import RenderedSection, description, keywords, render_sections, render_template

MAX_DATA_URL_BYTES = 2 * 1024 * 1024
# The print shop's colour space: Ghostscript's CMYK profile (SWOP-like), from
# Debian's libgs-common, which `make` installs. PDF/X-4 needs an output intent
# carrying a CMYK (or other print) ICC profile (ISO 15930-7, 6.2.2).
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
BLEED_MM = 3
# The print edition's sheet reaches this far beyond the trim: the 3 mm bleed,
# then room for the crop marks, which WeasyPrint draws in the outer half of
# the CSS bleed area, so they stand outside the BleedBox and are never printed
# on the finished page.
MEDIA_MARGIN_MM = 10
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class PdfEdition:
    """One PDF edition: what WeasyPrint is asked for, and what the file then claims."""

    name: str
    variant: str  # WeasyPrint's pdf_variant
    conformance: str  # the identification the XMP packet carries, e.g. "PDF/X-4"
    tagged: bool
    bleed: bool = False  # 3 mm bleed and crop marks
    annotations: bool = True  # links; the print edition has none
    sources: bool = False  # the publication's source files attached


PRINT = PdfEdition("print", "pdf/x-4", "PDF/X-4", tagged=False, bleed=True, annotations=False)
SCREEN = PdfEdition("screen", "pdf/ua-1", "PDF/UA-1", tagged=True)
ARCHIVE = PdfEdition("archive", "pdf/a-3u", "PDF/A-3U", tagged=True, sources=True)
PDF_EDITIONS = {e.name: e for e in (PRINT, SCREEN, ARCHIVE)}


def print_html(env: jinja2.Environment, publication: Publication, edition: PdfEdition = SCREEN) -> str:
    """The HTML WeasyPrint lays out. Every edition has the same markup and layout;
    only the page's bleed, marks and colour profile differ (the edition block in <style>)."""
    stylesheet = Path(env.loader.searchpath[0]) / "print" / "print.css"
    return render_template(
        env, "print/document.html", p=publication, sections=paged_sections(env, publication),
        description=description(publication), keywords=keywords(publication),
        stylesheet=_read_stylesheet(stylesheet), edition=edition,
        page_size=publication.trim_size, media_margin_mm=MEDIA_MARGIN_MM,
        cmyk_profile=Markup(CMYK_PROFILE.as_uri()) if edition.bleed else None,
        created=publication.date.isoformat(), modified=modified_date(publication))


def paged_sections(env: jinja2.Environment, publication: Publication) -> list[RenderedSection]:
    """The section bodies, with what paper needs changed: each footnote moved to
    its call, where `float: footnote` (CSS GCPM 3, 2.2) sets it at the foot of
    the page; each image alone in its paragraph made a figure, its title the caption."""
    return [RenderedSection(s.section, Markup(_paper_markup(str(s.html))))
            for s in render_sections(env, publication)]


def _paper_markup(html: str) -> str:
    import lxml.html

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    notes = {li.get("id"): li for li in root.iterfind(".//li[@class='footnote-item']")}
    placed = set()
    for sup in list(root.iterfind(".//sup[@class='footnote-ref']")):
        link = sup.find("a")
        note_id = (link.get("href") or "#")[1:] if link is not None else ""
        if note_id not in notes or note_id in placed:
            continue  # a second call of the same note keeps its number, linking to the first
        placed.add(note_id)
        note = lxml.html.Element("span", {"class": "footnote", "id": note_id})
        for back in notes[note_id].iterfind(".//a[@class='footnote-backref']"):
            _drop_keeping_tail(back)
        paragraphs = notes[note_id].findall("p") or [notes[note_id]]
        for index, paragraph in enumerate(paragraphs):
            _append_text(note, (" " if index else "") + (paragraph.text or ""))
            for child in list(paragraph):
                note.append(child)
        _trim_trailing_space(note)
        note.tail = sup.tail
        sup.getparent().replace(sup, note)
    for block in root.iterfind(".//section[@class='footnotes']"):
        if all(li.get("id") in placed for li in block.iter("li")):
            _drop_keeping_tail(block)
    for paragraph in list(root.iterfind(".//p")):
        images = paragraph.findall("img")
        if len(paragraph) == 1 and len(images) == 1 and not (paragraph.text or "").strip() \
                and not (images[0].tail or "").strip():
            figure = lxml.html.Element("figure", {k: v for k, v in paragraph.attrib.items()})
            image = images[0]
            figure.append(image)
            if image.get("title"):
                caption = lxml.html.Element("figcaption")
                caption.text = image.attrib.pop("title")
                figure.append(caption)
            figure.tail = paragraph.tail
            paragraph.getparent().replace(paragraph, figure)
    return (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _append_text(element, text: str) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _trim_trailing_space(element) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "").rstrip() or None
    else:
        element.text = (element.text or "").rstrip()


def _drop_keeping_tail(element) -> None:
    parent, tail = element.getparent(), element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _read_stylesheet(path: Path):
    try:
        # The stylesheet is ours, not content: inlining it keeps the HTML one
        # self-contained document, the input `make bench` times WeasyPrint on.
        return Markup(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RenderError(f"cannot read the print stylesheet {path}: {exc.strerror}") from None


def modified_date(publication: Publication) -> str:
    """The editions' modification date: SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the content's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return publication.date.isoformat()
    if not epoch.isdigit():
        raise RenderError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_pdf(html: str, publication: Publication, target: Path, templates: Path,
              edition: PdfEdition = SCREEN) -> None:
    """Lay out `html` and write the edition to `target` (a temporary path; write.py renames it)."""
    if edition.bleed and not CMYK_PROFILE.is_file():
        raise RenderError(f"the print edition needs the CMYK profile {CMYK_PROFILE}: "
                          "install Debian's libgs-common (`make` does)")
    extra_roots = [CMYK_PROFILE] if edition.bleed else []
    with weasyprint_guard(f"the {edition.name} edition", publication, templates, extra_roots) as fetcher:
        laid = lay_out(html, publication, fetcher, edition)
        laid.document.write_pdf(
            str(target), pdf_variant=edition.variant, pdf_identifier=_pdf_identifier(publication, edition),
            attachments=source_attachments(publication) if edition.sources else None,
            finisher=lambda document, pdf: _finish(pdf, publication, edition))
    if edition is SCREEN:
        _keep_layout(html, publication, templates, laid)


@dataclass(frozen=True)
class LaidOut:
    """WeasyPrint's layout of one HTML document: the parsed HTML (its etree_element
    is the tree the boxes point to) and the rendered Document with its pages."""

    html: object
    document: object


@contextlib.contextmanager
def weasyprint_guard(subject: str, publication: Publication, templates: Path, extra_roots: list[Path] = ()):
    """Yield a safe URL fetcher; afterwards, fail on any refused fetch or any WeasyPrint warning.

    A warning about our own templates is a bug (STYLE.md: assert_no_logs), and
    a refused fetch means content tried to reach what it may not.
    """
    fetcher = _safe_fetcher([publication.folder, templates, *extra_roots])
    warnings = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(warnings)
    try:
        yield fetcher
    finally:
        logger.removeHandler(warnings)
    if fetcher.refused:
        raise RenderError(f"{subject} tried to read what content may not reach: " + "; ".join(fetcher.refused))
    if warnings.messages:
        raise RenderError(f"WeasyPrint warned while laying out {subject} (a template bug):\n  "
                          + "\n  ".join(warnings.messages))


def lay_out(html: str, publication: Publication, fetcher, edition: PdfEdition = SCREEN) -> LaidOut:
    from weasyprint import HTML  # imported here: the CLI must start fast when nothing renders

    parsed = HTML(string=html, base_url=str(publication.folder.resolve()) + "/", url_fetcher=fetcher)
    # The variant only changes what is written (tags, version, intent), not the layout.
    return LaidOut(parsed, parsed.render(pdf_variant=edition.variant))


# The screen edition and the EPUB's page map lay out the same HTML; in one
# build process the EPUB takes the screen edition's layout instead of making
# its own (a long paper's layout costs about 0.08 s a page). One layout is
# kept at most, and taken once, so memory holds no more than it did.
_kept_layout: tuple[str, LaidOut] | None = None


def _layout_key(html: str, publication: Publication, templates: Path) -> str:
    key = "\0".join([html, str(publication.folder.resolve()), str(Path(templates).resolve())])
    return hashlib.sha256(key.encode()).hexdigest()


def _keep_layout(html: str, publication: Publication, templates: Path, laid: LaidOut) -> None:
    global _kept_layout
    _kept_layout = (_layout_key(html, publication, templates), laid)


def take_layout(html: str, publication: Publication, templates: Path) -> LaidOut | None:
    """The screen edition's layout of exactly this HTML, if this process just made it."""
    global _kept_layout
    kept, _kept_layout = _kept_layout, None
    return kept[1] if kept and kept[0] == _layout_key(html, publication, templates) else None


def _pdf_identifier(publication: Publication, edition: PdfEdition) -> bytes:
    """A fixed /ID (ISO 32000-1, 14.4) derived from the publication and edition:
    the same content gives the same bytes, and each edition is a file of its own."""
    return hashlib.md5(f"{publication.identifier}#{edition.name}".encode()).hexdigest().encode()


# ------------------------------------------------------------ attachments

def source_files(publication: Publication) -> list[tuple[str, Path]]:
    """The sources an edition is made from, as (name inside content/, path): house file,
    publication file, sections and the images they show."""
    slug = publication.slug
    files = [(PUBLISHER_FILE, publication.folder.parent / PUBLISHER_FILE),
             (f"{slug}/{PUBLICATION_FILE}", publication.folder / PUBLICATION_FILE)]
    for section in publication.sections:
        files.append((f"{slug}/{section.path.relative_to(publication.folder).as_posix()}", section.path))
        for image in images_in(section.body, publication.folder):
            name = f"{slug}/{image.path.resolve().relative_to(publication.folder.resolve()).as_posix()}"
            if name not in dict(files):
                files.append((name, image.path))
    return files


MEDIA_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".md": "text/markdown",
               ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
               ".gif": "image/gif", ".webp": "image/webp"}


def source_attachments(publication: Publication) -> list:
    """The source files as PDF/A-3 associated files (ISO 19005-3, 6.8), relationship /Source.

    Each goes in as a data: URL so its media type is ours (RFC 9512 for YAML,
    RFC 7763 for Markdown), not the guess of the machine's mime.types, and its
    dates are the content's, so the archive's bytes do not depend on the machine.
    """
    from weasyprint import Attachment
    from weasyprint.urls import URLFetcher

    stamp = dt.datetime.combine(publication.date, dt.time())
    attachments = []
    for name, path in source_files(publication):
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        attachments.append(Attachment(
            url=f"data:{media_type};base64,{data}", url_fetcher=URLFetcher(), name=name,
            description=f"Source of this publication: content/{name}", created=stamp, modified=stamp,
            relationship="Source"))
    return attachments


# ------------------------------------------------------------------ XMP

XMP_NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
          "xmpMM": "http://ns.adobe.com/xap/1.0/mm/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/"}


def _finish(pdf, publication: Publication, edition: PdfEdition) -> None:
    """WeasyPrint's finisher hook: runs on the pydyf PDF before it is serialised."""
    for page in pdf.objects:
        if not (isinstance(page, dict) and page.get("Type") == "/Page"):
            continue
        if not edition.annotations:
            page.pop("Annots", None)
        if edition.bleed:
            # WeasyPrint puts the BleedBox at most 10 pt beyond the TrimBox;
            # the bleed is 3 mm (ISO 15930-7 wants TrimBox inside BleedBox inside MediaBox).
            left, bottom, right, top = (float(v) for v in page["TrimBox"])
            b = BLEED_MM * PT_PER_MM
            page["BleedBox"] = type(page["TrimBox"])([left - b, bottom - b, right + b, top + b])
    if edition.bleed:
        _black_marks_in_cmyk(pdf)
        _images_in_srgb(pdf)
    if "AF" in pdf.catalog:
        # WeasyPrint 70 lists each associated file twice in the catalog's /AF
        # (once from the EmbeddedFiles name tree, once from the file
        # specifications); each file needs listing once (ISO 32000-2, 14.13).
        pdf.catalog["AF"] = type(pdf.catalog["AF"])(dict.fromkeys(pdf.catalog["AF"]))
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        raise RenderError(f"WeasyPrint wrote no XMP metadata for the {edition.name} edition")
    number = reference.decode() if isinstance(reference, bytes) else str(reference)  # pydyf: b"12 0 R"
    stream = pdf.objects[int(number.split()[0])]
    stream.stream = [complete_xmp(b"".join(stream.stream), publication, edition)]


# WeasyPrint draws its crop marks as an SVG in plain RGB black; under a CMYK
# output intent PDF/X-4 allows no device RGB (ISO 15930-7, 6.2.4), and the
# stylesheet gives the print edition device-cmyk() colours for everything
# else. Black is black in either space: K = 1.
RGB_BLACK = {b"0 0 0 RG": b"0 0 0 1 K", b"0 0 0 rg": b"0 0 0 1 k"}


def _black_marks_in_cmyk(pdf) -> None:
    import pydyf

    for item in pdf.objects:
        if isinstance(item, pydyf.Stream):
            item.stream = [RGB_BLACK.get(chunk, chunk) if isinstance(chunk, bytes) else chunk
                           for chunk in item.stream]


def _images_in_srgb(pdf) -> None:
    """Declare RGB images as sRGB (ICCBased), what an untagged PNG or JPEG means:
    device-independent colour, which PDF/X-4 allows and the RIP converts to the
    output intent; device RGB it does not allow (ISO 15930-7, 6.2.4)."""
    from importlib.resources import files

    import pydyf

    images = [item for item in pdf.objects if isinstance(item, pydyf.Stream)
              and item.extra.get("Subtype") == "/Image" and item.extra.get("ColorSpace") == "/DeviceRGB"]
    if not images:
        return
    profile = pydyf.Stream([(files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()], pydyf.Dictionary({"N": 3}),
                           compress=True)
    pdf.add_object(profile)
    for image in images:
        image.extra["ColorSpace"] = pydyf.Array(("/ICCBased", profile.reference))


def complete_xmp(packet: bytes, publication: Publication, edition: PdfEdition) -> bytes:
    """Add what WeasyPrint's XMP packet lacks: rights, date, publisher, language,
    identifiers, editors; and replace its random DocumentID with a stable one.

    Only properties of the schemas XMP itself defines (Dublin Core, XMP Basic,
    XMP Rights, XMP Media Management) are used: PDF/A-3 needs no extension
    schema description for them (ISO 19005-3, 6.6.2.3).
    """
    from lxml import etree

    start, end = packet.index(b"<x:xmpmeta"), packet.rindex(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    meta = etree.fromstring(packet[start:end])
    rdf = meta.find("rdf:RDF", XMP_NS)
    for old in rdf.iterfind(".//xmpMM:DocumentID", XMP_NS):
        old.getparent().remove(old)

    def q(name):
        prefix, local = name.split(":")
        return f"{{{XMP_NS[prefix]}}}{local}"

    description_ = etree.SubElement(rdf, q("rdf:Description"), nsmap={k: v for k, v in XMP_NS.items() if k != "x"})
    description_.set(q("rdf:about"), "")

    def container(name, kind, values, lang=False):
        element = etree.SubElement(etree.SubElement(description_, q(name)), q(f"rdf:{kind}"))
        for value in values:
            item = etree.SubElement(element, q("rdf:li"))
            if lang:
                item.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
            item.text = value

    def simple(name, value):
        etree.SubElement(description_, q(name)).text = value

    container("dc:rights", "Alt", [f"{publication.rights}. All rights reserved."], lang=True)
    container("dc:date", "Seq", [publication.date.isoformat()])
    container("dc:publisher", "Bag", [publication.publisher.name])
    container("dc:language", "Bag", [publication.language])
    if publication.editors:
        container("dc:contributor", "Bag", [c.name for c in publication.editors])
    container("dc:type", "Bag", ["Text"])
    simple("dc:format", "application/pdf")
    simple("dc:identifier", publication.identifier)
    container("xmp:Identifier", "Bag", _identifiers(publication))
    simple("xmpRights:Marked", "True")
    container("xmpRights:Owner", "Bag", [publication.rights_holder])
    if publication.publisher.website:
        simple("xmpRights:WebStatement", publication.publisher.website)
    stable = uuid.uuid5(uuid.NAMESPACE_URL, publication.identifier)
    simple("xmpMM:DocumentID", f"uuid:{stable}")
    simple("xmpMM:InstanceID", f"uuid:{uuid.uuid5(stable, edition.name)}")
    body = etree.tostring(meta, encoding="utf-8")
    return packet[:start] + body + packet[end:]


def _identifiers(publication: Publication) -> list[str]:
    found = [publication.identifier]
    for scheme, value in sorted(publication.identifiers.items()):
        found.append(f"{scheme}:{value}")
    return found


# ------------------------------------------------------------ the fetcher

class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _safe_fetcher(roots: list[Path]):
    """A WeasyPrint URL fetcher that reads only files under `roots`: no network, no /etc/passwd."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    allowed = [r.resolve() for r in roots]

    class SafeFetcher(URLFetcher):
        refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data" and len(url) <= MAX_DATA_URL_BYTES:
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path == root or path.is_relative_to(root) for root in allowed):
                    return super().fetch(url, headers)
            self.refused.append(url if len(url) < 200 else url[:200] + "…")
            raise ValueError(f"Octavo refuses to fetch {url[:200]}")

    fetcher = SafeFetcher()
    fetcher.refused = []
    return fetcher
