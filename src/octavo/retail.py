"""The retailer check, `octavo check --retail`: what Amazon (KDP and Send to Kindle), Kobo
and Apple Books ask of an EPUB that can be checked from the file alone.

Every requirement is one row of RULES: its name, the retailers who ask it, and a function
from the book as read (Book) to a Verdict. Adding a retailer's rule is adding a row. Each
row's comment names where the rule comes from; docs/editions.md ("Ready for the
retailer") lists them with what to do when one fails. The sources, as read for issue 11:

- KDP, Cover Image Guidelines (kdp.amazon.com/help/topic/G6GTK3T3NUHKLEFX): ideal 1600 x 2560
  px, "the height of the image should be at least 2,500 pixels", minimum 1000 x 625, maximum
  10,000 px a side.
- KDP, Kindle Publishing Guidelines (KPG): a logical table of contents (toc nav); no special
  characters (!, @, #, $) in file paths; images of at most 5 MB.
- Send to Kindle: EPUB is accepted; at most 50 MB by e-mail (the app and the web page take
  larger files); KDP converts manuscripts of at most 650 MB.
- Kobo EPUB guidelines (github.com/kobolabs/epub-spec, README): cover declared in the OPF
  (`<meta name="cover">`), in its own XHTML with an `<img>`, no GIF; dc:identifier holds the
  e-book ISBN and equals the NCX's; no spaces or special characters in file names; TTF, OTF
  and WOFF 1.0 fonts; JavaScript unsupported on e-ink and desktop; at most 5 MB an image,
  10 MB an HTML file, 1 GB an EPUB.
- Apple Books Asset Guide (help.apple.com/itc/booksassetguide): images JPEG or PNG, RGB,
  "Images within the EPUB cannot exceed 5.6 million pixels"; a table of contents is required
  for all books; fixed-layout documents declare their viewport; "Books must not rely on
  external resources"; books up to 2 GB (itunespartner.apple.com, "Prepare your book").
- EPUB 3.3 (w3.org/TR/epub-33): the unique identifier, dc:title and dc:language (a BCP 47
  tag) are required; file names (section 4.2.3); `scripted` and `remote-resources` properties.

The file is a stranger's: it is read in a child process with the proof's memory and time
limits (verify.py's STRANGER_* and read_guarded), and no reader here follows a link.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree

from .errors import OctavoError
from .verify import zip_path

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
OPS = "http://www.idpf.org/2007/ops"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XLINK = "http://www.w3.org/1999/xlink"
NS = {"opf": OPF, "dc": DC, "x": XHTML, "svg": SVG, "ncx": NCX,
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}

KINDLE, KOBO, APPLE = "Kindle", "Kobo", "Apple"  # Kindle: KDP and Send to Kindle alike
ALL = (KINDLE, KOBO, APPLE)
MB = 1000 ** 2  # retailers' megabytes, taken as the smaller (decimal) kind

# The cover (KDP Cover Image Guidelines; Apple Books: 1400 px on the short side).
COVER_SHORT_SIDE = 1600
COVER_LONG_SIDE = 2500  # KDP: "the height of the image should be at least 2,500 pixels"
COVER_IDEAL = (1600, 2560)
COVER_MINIMUM = (625, 1000)  # KDP's smallest, width x height
APPLE_SHORT_SIDE = 1400
COVER_MAX_SIDE = 10_000  # KDP
IMAGE_MAX_PIXELS = 5_600_000  # Apple Books Asset Guide
IMAGE_MAX_BYTES = 5 * MB  # KPG and Kobo
DOCUMENT_MAX_BYTES = 300 * 1000  # Kindle's conversion guidance; Kobo's own ceiling is 10 MB
# Whole-file ceilings, smallest first: the first exceeded is the one reported.
BOOK_LIMITS = ((50 * MB, "Send to Kindle by e-mail"), (650 * MB, "KDP"), (1000 * MB, "Kobo"),
               (2000 * MB, "Apple Books"))

# File names: ASCII letters, digits and . _ - (Kobo: no spaces or special characters;
# KPG: no !, @, #, $; EPUB 3.3 section 4.2.3 forbids more and warns about non-ASCII).
SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")  # RFC 5646's characters: no "_"
SHOWN = 3  # offending items named in a row's detail; "and N more" for the rest

PARSED_TYPES = {"application/xhtml+xml", "image/svg+xml", "application/x-dtbncx+xml"}
SCRIPT_TYPES = {"application/javascript", "text/javascript", "application/ecmascript", "application/x-javascript"}
FORM_ELEMENTS = ("form", "input", "button", "select", "textarea", "iframe", "frame", "frameset", "embed", "object")
# Elements and attributes that load a resource (a link to a web page, <a href>, is fine).
LOADING_ATTRIBUTES = {"img": ("src", "srcset"), "audio": ("src",), "video": ("src", "poster"),
                      "source": ("src", "srcset"), "track": ("src",), "script": ("src",), "iframe": ("src",),
                      "embed": ("src",), "object": ("data",), "input": ("src",), "image": ("href",),
                      "use": ("href",), "link": ("href",)}
REMOTE = re.compile(r"^\s*(https?:|ftp:|//)", re.I)
CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:|ftp:|//)[^'")\s]*)""", re.I)
FONT_MAGIC = {b"\x00\x01\x00\x00": "TrueType", b"true": "TrueType", b"OTTO": "OpenType", b"wOFF": "WOFF",
              b"wOF2": "WOFF2"}
FONTS_OK = {"TrueType", "OpenType", "WOFF"}  # Kobo: TTF, OTF and WOFF (v. 1.0)


# ------------------------------------------------------------------ the book as read

@dataclass(frozen=True)
class Item:
    """One manifest item: `path` is its name in the zip ("" for a remote resource)."""

    id: str
    href: str
    path: str
    media_type: str
    properties: frozenset[str]


@dataclass(frozen=True)
class Picture:
    """An image's header, as Pillow reads it without decoding the pixels."""

    format: str
    width: int
    height: int
    mode: str


@dataclass
class Book:
    """Everything a rule looks at, read once from the EPUB."""

    path: Path
    size: int
    entries: dict[str, int]  # zip name -> unpacked bytes
    opf_path: str
    package: etree._Element
    items: list[Item]
    spine: list[tuple[str, frozenset[str]]]  # (idref, properties)
    documents: dict[str, etree._Element] = field(default_factory=dict)  # XHTML and SVG, by zip path
    broken: dict[str, str] = field(default_factory=dict)  # zip path -> why it does not parse
    pictures: dict[str, Picture | str] = field(default_factory=dict)  # zip path -> header, or why unreadable
    stylesheets: dict[str, str] = field(default_factory=dict)
    heads: dict[str, bytes] = field(default_factory=dict)  # fonts' first bytes
    obfuscated: frozenset[str] = frozenset()  # fonts listed in META-INF/encryption.xml
    extras: dict[str, bytes] = field(default_factory=dict)  # META-INF display options

    @property
    def metadata(self) -> etree._Element:
        return self.package.find("opf:metadata", NS)

    def dc(self, name: str) -> list[etree._Element]:
        return self.metadata.findall(f"dc:{name}", NS)

    def meta(self, prop: str, refines: str | None = None) -> list[str]:
        """The text of every <meta property="prop"> (refining `refines`, an id, when given)."""
        return [(m.text or "").strip() for m in self.metadata.iterfind("opf:meta", NS)
                if m.get("property") == prop and (refines is None or m.get("refines") == f"#{refines}")]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def with_property(self, prop: str) -> list[Item]:
        return [i for i in self.items if prop in i.properties]

    def unique_identifier(self) -> etree._Element | None:
        wanted = self.package.get("unique-identifier")
        return next((e for e in self.dc("identifier") if e.get("id") == wanted), None)

    def nav(self) -> etree._Element | None:
        item = next(iter(self.with_property("nav")), None)
        return self.documents.get(item.path) if item else None


def read_book(path: Path, shown_as: Path | None = None) -> Book:
    """Read the EPUB at `path`: package, documents, stylesheets, image headers, font heads."""
    from .verify import EPUB_MAX_RATIO, EPUB_UNPACKED_BYTES

    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise OctavoError(f"{shown_as or path}: not an EPUB (it is not a zip file: {exc})") from None
    with zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > EPUB_UNPACKED_BYTES or any(
                i.file_size > 1024 ** 2 and i.file_size > EPUB_MAX_RATIO * max(i.compress_size, 1) for i in infos):
            raise OctavoError(f"{shown_as or path}: the zip unpacks to more than Octavo reads in an EPUB "
                              f"({EPUB_UNPACKED_BYTES // 1024 ** 2} MB in all, {EPUB_MAX_RATIO} times an entry's size)")
        entries = {i.filename: i.file_size for i in infos}
        opf_path = _package_path(zf, entries, shown_as or path)
        package = _parse(zf.read(opf_path), f"{shown_as or path}: {opf_path}")
        if package.tag != f"{{{OPF}}}package" or any(package.find(f"opf:{part}", NS) is None
                                                      for part in ("metadata", "manifest", "spine")):
            raise OctavoError(f"{shown_as or path}: {opf_path} is not an EPUB package document "
                              "(a <package> with <metadata>, <manifest> and <spine>)")
        base = PurePosixPath(opf_path).parent
        items = [_item(e, base) for e in package.iterfind("opf:manifest/opf:item", NS)]
        spine = [(r.get("idref", ""), frozenset((r.get("properties") or "").split()))
                 for r in package.iterfind("opf:spine/opf:itemref", NS)]
        book = Book(shown_as or path, path.stat().st_size, entries, opf_path, package, items, spine)
        for item in items:
            if item.path not in entries:
                continue
            _read_item(zf, book, item)
        book.obfuscated = _obfuscated(zf, entries)
        book.extras = {name: zf.read(name) for name in entries
                       if name.startswith("META-INF/") and name.endswith("display-options.xml")}
    return book


def _package_path(zf: zipfile.ZipFile, entries: dict[str, int], shown: Path) -> str:
    if "META-INF/container.xml" not in entries:
        raise OctavoError(f"{shown}: not an EPUB (no META-INF/container.xml)")
    container = _parse(zf.read("META-INF/container.xml"), f"{shown}: META-INF/container.xml")
    rootfile = container.find(".//c:rootfile", NS)
    opf_path = rootfile.get("full-path") if rootfile is not None else None
    if not opf_path or opf_path not in entries:
        raise OctavoError(f"{shown}: not an EPUB (META-INF/container.xml names no package document in the zip)")
    return opf_path


def _parse(data: bytes, where: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise OctavoError(f"{where}: not well-formed XML ({exc})") from None


# No DTDs fetched, no entities expanded, nothing from the network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _item(element: etree._Element, base: PurePosixPath) -> Item:
    href = element.get("href", "")
    path = "" if REMOTE.match(href) or urlsplit(href).scheme else zip_path(base, href)
    return Item(element.get("id", ""), href, path, element.get("media-type", ""),
                frozenset((element.get("properties") or "").split()))


def _read_item(zf: zipfile.ZipFile, book: Book, item: Item) -> None:
    if item.media_type in PARSED_TYPES:
        try:
            book.documents[item.path] = etree.fromstring(zf.read(item.path), _PARSER)
        except etree.XMLSyntaxError as exc:
            book.broken[item.path] = str(exc)
    elif item.media_type == "text/css":
        book.stylesheets[item.path] = zf.read(item.path).decode("utf-8", "replace")
    elif item.media_type.startswith("image/") and item.media_type != "image/svg+xml":
        book.pictures[item.path] = _picture(zf, item.path)
    elif _is_font(item):
        with zf.open(item.path) as stream:
            book.heads[item.path] = stream.read(4)


def _picture(zf: zipfile.ZipFile, name: str) -> Picture | str:
    """The image's format and size from its header; Pillow decodes no pixels to tell them."""
    import io

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(zf.read(name))) as image:
                return Picture(image.format or "unknown", image.width, image.height, image.mode)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return "more pixels than Pillow will open (a decompression bomb?)"
    except Exception as exc:  # a damaged image is a verdict, not a crash
        return f"not a readable image ({exc})"


def _is_font(item: Item) -> bool:
    return (item.media_type.startswith(("font/", "application/font", "application/x-font"))
            or item.media_type == "application/vnd.ms-opentype"
            or item.path.lower().endswith((".ttf", ".otf", ".woff", ".woff2")))


def _obfuscated(zf: zipfile.ZipFile, entries: dict[str, int]) -> frozenset[str]:
    """Fonts obfuscated as OCF allows (META-INF/encryption.xml): their first bytes are scrambled."""
    if "META-INF/encryption.xml" not in entries:
        return frozenset()
    try:
        root = etree.fromstring(zf.read("META-INF/encryption.xml"), _PARSER)
    except etree.XMLSyntaxError:
        return frozenset()
    return frozenset(unquote(e.get("URI", "")) for e in root.iter("{*}CipherReference"))


# ------------------------------------------------------------------ verdicts

@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str


def passed(detail: str) -> Verdict:
    return Verdict(True, detail)


def failed(detail: str) -> Verdict:
    return Verdict(False, detail)


def _listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:SHOWN])
    return shown + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")


def _name(path: str, book: Book) -> str:
    """A zip path as the package document sees it (relative to the OPF's folder)."""
    base = str(PurePosixPath(book.opf_path).parent)
    return path[len(base) + 1:] if base not in (".", "") and path.startswith(base + "/") else path


# ------------------------------------------------------------------ the rules: the cover

def _cover(book: Book) -> Item | None:
    declared = book.with_property("cover-image")
    return declared[0] if len(declared) == 1 else None


def cover_declared(book: Book) -> Verdict:
    # EPUB 3.3 (cover-image); Kobo: <meta name="cover"> names it (their thumbnail, and EPUB 2
    # readers'); Send to Kindle has no other cover than the one in the file.
    declared = book.with_property("cover-image")
    if not declared:
        return failed('no manifest item has properties="cover-image": declare the cover image')
    if len(declared) > 1:
        return failed(f'{len(declared)} items have properties="cover-image" '
                      f'({", ".join(i.href for i in declared)}): declare one')
    cover = declared[0]
    if cover.path not in book.entries:
        return failed(f"{cover.href} is declared as the cover but is not in the zip")
    named = [m.get("content") for m in book.metadata.iterfind("opf:meta", NS) if m.get("name") == "cover"]
    if cover.id not in named:
        return failed(f'{cover.href} is the cover-image, but no <meta name="cover" content="{cover.id}"/> '
                      "names it (Kobo finds the cover by it)")
    return passed(f'{cover.href}: properties="cover-image" and <meta name="cover">')


def cover_format(book: Book) -> Verdict:
    # Apple: JPEG or PNG, RGB; Kobo: GIF is not supported for covers, images in RGB, not CMYK;
    # KDP: RGB.
    cover = _cover(book)
    if cover is None or cover.path not in book.pictures:
        return failed("no cover image to read (see the cover declaration)")
    picture = book.pictures[cover.path]
    if isinstance(picture, str):
        return failed(f"{cover.href}: {picture}")
    if picture.format not in ("JPEG", "PNG"):
        return failed(f"{cover.href} is a {picture.format}: make the cover a JPEG or a PNG")
    if picture.mode == "CMYK":
        return failed(f"{cover.href} is CMYK: retailers want RGB")
    declared = {"JPEG": "image/jpeg", "PNG": "image/png"}[picture.format]
    if cover.media_type != declared:
        return failed(f"{cover.href} is a {picture.format} declared as {cover.media_type}: declare {declared}")
    return passed(f"{cover.href}: {picture.format}, {picture.mode}")


def cover_size(book: Book) -> Verdict:
    # KDP: ideal 1600 x 2560, at least 2,500 px high, minimum 625 x 1000, maximum 10,000 a side;
    # Apple: at least 1400 px on the short side; Kobo averages 800 x 1224 and renders any size.
    cover = _cover(book)
    picture = book.pictures.get(cover.path) if cover else None
    if not isinstance(picture, Picture):
        return failed("no cover image to measure (see the cover declaration and format)")
    width, height = picture.width, picture.height
    short, long = min(width, height), max(width, height)
    size = f"{width}\u00d7{height} px"
    if max(width, height) > COVER_MAX_SIDE:
        return failed(f"{size}: over KDP's {COVER_MAX_SIDE:,} px a side")
    if short >= COVER_SHORT_SIDE and long >= COVER_LONG_SIDE:
        return passed(f"{size} (KDP's ideal is {COVER_IDEAL[0]}\u00d7{COVER_IDEAL[1]})")
    short_of = [f"KDP's {COVER_IDEAL[0]}\u00d7{COVER_IDEAL[1]} (at least {COVER_LONG_SIDE:,} px high)"]
    if short < APPLE_SHORT_SIDE:
        short_of.append(f"Apple's {APPLE_SHORT_SIDE:,} px on the short side")
    if width < COVER_MINIMUM[0] or height < COVER_MINIMUM[1]:
        short_of.append(f"KDP's minimum {COVER_MINIMUM[0]}\u00d7{COVER_MINIMUM[1]}")
    return failed(f"{size}: below {', '.join(short_of)}")


def cover_page(book: Book) -> Verdict:
    # Kobo: "Cover images must be contained in their own XHTML files", placed with <img>
    # (their cover extraction ignores a CSS background).
    cover = _cover(book)
    if cover is None:
        return failed("no cover image declared, so no cover page to find")
    spine_paths = [book.item(idref).path for idref, _ in book.spine if book.item(idref)]
    for path in spine_paths:
        document = book.documents.get(path)
        if document is None:
            continue
        base = PurePosixPath(path).parent
        shown = [zip_path(base, src) for src in _image_sources(document)]
        if cover.path not in shown:
            continue
        body = document.find("x:body", NS)
        text = " ".join("".join(body.itertext()).split()) if body is not None else ""
        if len(shown) > 1 or text:
            extra = f'text "{text[:40]}"' if text else f"{len(shown) - 1} other image(s)"
            return failed(f"{_name(path, book)} shows the cover with {extra}: give the cover a page of its own "
                          "(Kobo lays out the cover's page as fixed layout)")
        return passed(f"{_name(path, book)} shows {cover.href} alone, with <img>")
    return failed(f"no document in the spine shows {cover.href} with <img>: add a cover page "
                  "(Kobo's cover extraction ignores CSS backgrounds)")


def _image_sources(document: etree._Element) -> list[str]:
    sources = [img.get("src", "") for img in document.iter(f"{{{XHTML}}}img")]
    sources += [img.get(f"{{{XLINK}}}href") or img.get("href", "") for img in document.iter(f"{{{SVG}}}image")]
    return [s for s in sources if s]


# ------------------------------------------------------------------ identifiers and metadata

def _isbn(value: str) -> str | None:
    """The ISBN in an identifier (urn:isbn:..., isbn:..., or bare digits and hyphens), else None."""
    text = value.strip()
    lowered = text.lower()
    for prefix in ("urn:isbn:", "isbn:"):
        if lowered.startswith(prefix):
            return text[len(prefix):].strip()
    digits = re.sub(r"[\s-]", "", text)
    return text if re.fullmatch(r"\d{9}[\dXx]|\d{13}", digits) else None


def _isbn_problem(isbn: str) -> str | None:
    """Why an ISBN is not a valid ISBN-13 (python-stdnum checks the check digit), or None."""
    from stdnum import isbn as stdnum_isbn
    from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

    try:
        compact = stdnum_isbn.validate(isbn)
    except InvalidChecksum:
        return f"{isbn} is not a valid ISBN (its check digit is wrong)"
    except InvalidLength:
        return f"{isbn} is not a valid ISBN (an ISBN has 10 or 13 digits)"
    except ValidationError:
        return f"{isbn} is not a valid ISBN (it is not digits in an ISBN's form)"
    if stdnum_isbn.isbn_type(compact) != "ISBN13":
        return (f"{isbn} is an ISBN-10: retailers list e-books by ISBN-13 "
                f"({stdnum_isbn.format(stdnum_isbn.to_isbn13(compact))})")
    return None


def _same_identifier(a: str, b: str) -> bool:
    isbn_a, isbn_b = _isbn(a), _isbn(b)
    if isbn_a and isbn_b:
        from stdnum import isbn as stdnum_isbn
        return stdnum_isbn.compact(isbn_a) == stdnum_isbn.compact(isbn_b)
    return a.strip() == b.strip()


def identifier(book: Book) -> Verdict:
    # EPUB 3.3: the package's unique-identifier names a dc:identifier. Kobo matches the EPUB to
    # its metadata by the e-book ISBN in dc:identifier (else in the file name); an ISBN must be
    # a valid ISBN-13 (python-stdnum checks the check digit). KDP assigns an ASIN; Apple
    # needs no ISBN.
    unique = book.unique_identifier()
    if unique is None or not (unique.text or "").strip():
        return failed(f'no dc:identifier with id="{book.package.get("unique-identifier", "")}" '
                      "(the package's unique-identifier)")
    value = unique.text.strip()
    problems = [p for e in book.dc("identifier") if (isbn := _isbn(e.text or "")) and (p := _isbn_problem(isbn))]
    if problems:
        return failed(_listed(problems))
    if _isbn(value):
        return passed(f"{value} (a valid ISBN-13)")
    return passed(f"{value} (not an ISBN: Kobo then looks for the e-book ISBN in the file name; "
                  "KDP assigns an ASIN)")


def ebook_identifier(book: Book) -> Verdict:
    # Kobo: dc:identifier "should contain the eBook ISBN". The page-list's dc:source names the
    # print edition whose pages it gives (EPUB 3.3 source-of; EPUB Accessibility 1.1): an EPUB
    # whose own ISBN is its dc:source, or which lists the print ISBN among its identifiers,
    # is sold as the print book. Without ISBNs the editions may share the publication's
    # identifier (metadata.Record.identifier_for): no store matches the book by it.
    sources = _pagination_sources(book)
    if not sources:
        return passed("no dc:source: no print edition named")
    unique = book.unique_identifier()
    own = (unique.text or "").strip() if unique is not None else ""
    problems, shared = [], []
    for source in sources:
        if (isbn := _isbn(source)) and (problem := _isbn_problem(isbn)):
            problems.append(f"dc:source: {problem}")
        elif own and _same_identifier(source, own) and _isbn(own):
            problems.append(f"the EPUB's ISBN {own} is its dc:source, the print edition the page-list follows: "
                            "give the EPUB the e-book's ISBN and dc:source the print edition's")
        elif own and _same_identifier(source, own):
            shared.append(source)
        else:
            clashes = [e.text.strip() for e in book.dc("identifier")
                       if e.text and e is not unique and _same_identifier(e.text, source)]
            problems += [f"dc:identifier {c} is the print edition's (the dc:source): an EPUB carries "
                         "its own ISBN" for c in clashes]
    if problems:
        return failed(_listed(problems))
    if shared:
        return passed(f"no ISBN: the EPUB and the print edition share the publication's identifier {shared[0]}")
    return passed(f"{own} is not the print edition's {', '.join(sources)}")


def _pagination_sources(book: Book) -> list[str]:
    """The dc:source refined as the source of the pagination, else every dc:source."""
    sources = book.dc("source")
    refined = [s for s in sources if s.get("id") and "pagination" in book.meta("source-of", s.get("id"))]
    return [(s.text or "").strip() for s in (refined or sources) if (s.text or "").strip()]


def ncx_identifier(book: Book) -> Verdict:
    # Kobo: "the <dc:identifier> in the OPF should be identical to the identifier in the .ncx".
    ncx_items = [i for i in book.items if i.media_type == "application/x-dtbncx+xml"]
    if not ncx_items:
        return passed("no NCX (EPUB 3's navigation document only)")
    ncx_item = ncx_items[0]
    document = book.documents.get(ncx_item.path)
    if document is None:
        return failed(f"{ncx_item.href} is not in the zip or does not parse")
    uid = next((m.get("content", "") for m in document.iterfind("ncx:head/ncx:meta", NS)
                if m.get("name") == "dtb:uid"), None)
    unique = book.unique_identifier()
    own = (unique.text or "").strip() if unique is not None else ""
    if uid is None:
        return failed(f'{ncx_item.href} has no <meta name="dtb:uid">: give it the dc:identifier {own}')
    if uid.strip() != own:
        return failed(f"{ncx_item.href}'s dtb:uid {uid.strip()} is not the dc:identifier {own}")
    return passed(f"{ncx_item.href}'s dtb:uid is the dc:identifier")


def language(book: Book) -> Verdict:
    # EPUB 3.3: at least one dc:language, a well-formed BCP 47 tag (RFC 5646); its subtags
    # must be in the IANA registry (langcodes checks them). Every retailer reads it.
    import langcodes

    values = [(e.text or "").strip() for e in book.dc("language")]
    if not values:
        return failed("no dc:language: name the language, e.g. <dc:language>en</dc:language>")
    bad = [v for v in values if not LANGUAGE_TAG.fullmatch(v) or not langcodes.tag_is_valid(v)]
    if bad:
        return failed(_listed([f'"{v}" is not a BCP 47 language tag (such as en, en-GB, zh-Hans)' for v in bad]))
    return passed(", ".join(values))


def title(book: Book) -> Verdict:
    # EPUB 3.3: dc:title is required; every store shows it.
    titles = [" ".join((e.text or "").split()) for e in book.dc("title")]
    titles = [t for t in titles if t]
    return passed(" / ".join(titles)) if titles else failed("no dc:title with text")


def creator(book: Book) -> Verdict:
    # Every store lists the book by its author (dc:creator).
    names = [" ".join((e.text or "").split()) for e in book.dc("creator")]
    names = [n for n in names if n]
    return passed(", ".join(names)) if names else failed("no dc:creator: name the author(s)")


# ------------------------------------------------------------------ navigation

def _navs(book: Book, kind: str) -> list[etree._Element]:
    nav = book.nav()
    if nav is None:
        return []
    return [n for n in nav.iter(f"{{{XHTML}}}nav") if kind in (n.get(f"{{{OPS}}}type") or "").split()]


def _links(navs: list[etree._Element]) -> list[etree._Element]:
    return [a for n in navs for a in n.iter(f"{{{XHTML}}}a") if a.get("href")]


def table_of_contents(book: Book) -> Verdict:
    # Apple: "A table of contents is required for all books" (a toc nav); KPG: a logical TOC
    # from the toc nav; Kobo reads the toc nav of an EPUB 3.
    navs = book.with_property("nav")
    if not navs:
        return failed('no manifest item has properties="nav": add a navigation document')
    if book.nav() is None:
        return failed(f"{navs[0].href} is not in the zip or does not parse")
    toc = _navs(book, "toc")
    if not toc:
        return failed(f'{navs[0].href} has no <nav epub:type="toc">')
    links = _links(toc)
    if not links:
        return failed(f'{navs[0].href}: the toc nav links to nothing')
    return passed(f"{navs[0].href}: {len(links)} entries")


PAGINATION_FEATURES = ("pageNavigation", "printPageNumbers", "pageBreakMarkers")


def page_list(book: Book) -> Verdict:
    # A book that claims its print edition's pages (dc:source refined as source-of pagination,
    # or the schema.org features) gives them in a page-list nav, which Apple Books and Kindle
    # show as page numbers; a page-list names the edition it follows in dc:source
    # (EPUB Accessibility 1.1; DAISY Ace's epub-pagesource).
    sources = _pagination_sources(book)
    features = [f for f in book.meta("schema:accessibilityFeature") if f in PAGINATION_FEATURES]
    links = _links(_navs(book, "page-list"))
    claims = ([f"dc:source {sources[0]}"] if sources else []) + [f"accessibilityFeature {f}" for f in features]
    if claims and not links:
        return failed(f"claims print pagination ({', '.join(claims)}) but the navigation document has no "
                      "page-list")
    if links and not sources:
        return failed(f"a page-list of {len(links)} pages but no dc:source naming the print edition it follows")
    if not links:
        return passed("no print pagination claimed, no page-list")
    return passed(f"{len(links)} pages of {sources[0]}")


# ------------------------------------------------------------------ what the documents hold

def no_scripts(book: Book) -> Verdict:
    # Kobo: JavaScript is not supported on e-ink and desktop; Kindle's conversion runs none.
    # A script is a <script> (XHTML or SVG), an on* event attribute, a javascript: URL, a
    # script file in the manifest, or the `scripted` property (EPUB 3.3).
    problems = [f'{i.href} has properties="scripted"' for i in book.with_property("scripted")]
    problems += [f"{i.href} is a script ({i.media_type})" for i in book.items if i.media_type in SCRIPT_TYPES]
    for path, document in book.documents.items():
        for element in document.iter(etree.Element):
            tag = etree.QName(element).localname
            if tag == "script":
                problems.append(f"{_name(path, book)}: <script>")
            for attribute, value in element.attrib.items():
                local = etree.QName(attribute).localname.lower()
                if local.startswith("on") and etree.QName(attribute).namespace is None:
                    problems.append(f"{_name(path, book)}: {local} on <{tag}>")
                elif value.strip().lower().startswith("javascript:"):
                    problems.append(f"{_name(path, book)}: a javascript: URL on <{tag}>")
    return failed(_listed(problems)) if problems else passed("no script, event attribute or scripted document")


def no_forms(book: Book) -> Verdict:
    # Kobo: text input boxes and other interactive content do not work on e-ink, desktop or
    # Windows; Kindle supports no forms or frames. A policy paper needs none.
    problems = []
    for path, document in book.documents.items():
        for tag in FORM_ELEMENTS:
            count = sum(1 for _ in document.iter(f"{{{XHTML}}}{tag}"))
            if count:
                problems.append(f"{_name(path, book)}: <{tag}>" + (f" \u00d7{count}" if count > 1 else ""))
    return failed(_listed(problems)) if problems else passed("no form, frame or embedded object")


def fonts(book: Book) -> Verdict:
    # Kobo: "TTF, OTF, and WOFF (v. 1.0) fonts are supported by all Kobo platforms" (not WOFF2).
    found = [i for i in book.items if _is_font(i) and i.path]  # a remote font: no remote resources
    if not found:
        return passed("no embedded fonts (the reader's own)")
    problems, kinds = [], []
    for item in found:
        if item.path in book.obfuscated:
            kind = "WOFF2" if item.path.lower().endswith(".woff2") or "woff2" in item.media_type else "obfuscated"
        else:
            kind = FONT_MAGIC.get(book.heads.get(item.path, b""), "not a font file")
        kinds.append(kind)
        if kind not in FONTS_OK and kind != "obfuscated":
            problems.append(f"{item.href} is {kind}: embed TTF, OTF or WOFF 1.0")
    if problems:
        return failed(_listed(problems))
    return passed(f"{len(found)} fonts: {', '.join(sorted(set(kinds)))}")


def no_remote_resources(book: Book) -> Verdict:
    # Apple: "Books must not rely on external resources"; a reader without a connection (and
    # Kindle's conversion) gets no remote image, font or stylesheet. Links (<a href>) are fine.
    problems = [f"the manifest lists {i.href}" for i in book.items if not i.path]
    problems += [f'{i.href} has properties="remote-resources"' for i in book.with_property("remote-resources")]
    for path, document in book.documents.items():
        for element in document.iter(etree.Element):
            tag = etree.QName(element).localname
            for attribute in LOADING_ATTRIBUTES.get(tag, ()):
                for value in (element.get(attribute), element.get(f"{{{XLINK}}}{attribute}")):
                    if value and REMOTE.match(value):
                        problems.append(f'{_name(path, book)}: <{tag} {attribute}="{value.strip()}">')
            if tag == "style" and element.text:
                problems += [f"{_name(path, book)}: <style> loads {u}" for u in CSS_REMOTE.findall(element.text)]
    for path, text in book.stylesheets.items():
        problems += [f"{_name(path, book)} loads {u}" for u in CSS_REMOTE.findall(text)]
    return failed(_listed(problems)) if problems else passed("every resource is in the file")


def documents_parse(book: Book) -> Verdict:
    # Every retailer runs EPUBCheck or its like on ingestion (Apple: "must pass"; Kobo: their
    # CMS runs it): a content document that is not well-formed XML is refused.
    if book.broken:
        return failed(_listed([f"{_name(p, book)}: {why}" for p, why in book.broken.items()]))
    missing = [i.href for i in book.items if i.path and i.path not in book.entries]
    if missing:
        return failed(_listed([f"{href} is in the manifest but not in the zip" for href in missing]))
    return passed(f"{len(book.documents)} documents are well-formed XML")


# ------------------------------------------------------------------ names and sizes

def file_names(book: Book) -> Verdict:
    # Kobo: "Special characters and spaces should not be used for file names"; KPG: no special
    # characters (!, @, #, $) in file paths; EPUB 3.3 section 4.2.3: no name ends in "."
    # and non-ASCII names are at the mercy of the reader's file system.
    problems = []
    for name in book.entries:
        if name.endswith("/"):
            continue  # a folder entry
        bad = sorted({ch for part in name.split("/") for ch in part if not SAFE_NAME.fullmatch(ch)})
        if bad:
            shown = ", ".join("space" if ch == " " else f"'{ch}'" if ch.isascii() else f"non-ASCII '{ch}'"
                              for ch in bad)
            problems.append(f'"{name}" ({shown})')
        elif any(part.endswith(".") for part in name.split("/")):
            problems.append(f'"{name}" (ends in ".")')
    if problems:
        return failed(_listed(problems) + ": use ASCII letters, digits, '.', '_' and '-' only")
    return passed(f"{len(book.entries)} names, ASCII letters, digits, '.', '_', '-'")


def book_size(book: Book) -> Verdict:
    # Send to Kindle: 50 MB by e-mail; KDP: 650 MB; Kobo: 1 GB; Apple Books: 2 GB.
    megabytes = f"{book.size / MB:,.2f} MB"
    over = [f"{name}'s {limit // MB:,} MB" for limit, name in BOOK_LIMITS if book.size > limit]
    if over:
        return failed(f"{megabytes}: over {' and '.join(over)}: make the images smaller")
    return passed(f"{megabytes} (Send to Kindle by e-mail takes {BOOK_LIMITS[0][0] // MB} MB)")


def document_size(book: Book) -> Verdict:
    # Kindle's conversion: keep each XHTML file under 300 KB; Kobo: at most 10 MB of content
    # in each HTML file.
    sizes = {i.path: book.entries[i.path] for i in book.items
             if i.media_type == "application/xhtml+xml" and i.path in book.entries}
    if not sizes:
        return failed("no XHTML content documents")
    large = [f"{_name(p, book)}: {s / 1000:,.0f} KB" for p, s in sizes.items() if s > DOCUMENT_MAX_BYTES]
    if large:
        return failed(_listed(large) + f" (over {DOCUMENT_MAX_BYTES // 1000} KB): split the section")
    path = max(sizes, key=sizes.get)
    return passed(f"largest {_name(path, book)}, {sizes[path] / 1000:,.1f} KB")


def image_size(book: Book) -> Verdict:
    # KPG and Kobo: at most 5 MB an image.
    sizes = {p: book.entries[p] for p in book.pictures if p in book.entries}
    if not sizes:
        return passed("no images")
    large = [f"{_name(p, book)}: {s / MB:,.1f} MB" for p, s in sizes.items() if s > IMAGE_MAX_BYTES]
    if large:
        return failed(_listed(large) + f" (over {IMAGE_MAX_BYTES // MB} MB)")
    path = max(sizes, key=sizes.get)
    return passed(f"largest {_name(path, book)}, {sizes[path] / MB:,.2f} MB")


def image_pixels(book: Book) -> Verdict:
    # Apple Books: "Images within the EPUB cannot exceed 5.6 million pixels".
    if not book.pictures:
        return passed("no images")
    problems = []
    for path, picture in book.pictures.items():
        if isinstance(picture, str):
            problems.append(f"{_name(path, book)}: {picture}")
        elif picture.width * picture.height > IMAGE_MAX_PIXELS:
            problems.append(f"{_name(path, book)}: {picture.width}\u00d7{picture.height} = "
                            f"{picture.width * picture.height / 1e6:.1f} million pixels")
    if problems:
        return failed(_listed(problems) + f" (Apple's limit: {IMAGE_MAX_PIXELS / 1e6:.1f} million)")
    path, picture = max(((p, q) for p, q in book.pictures.items()), key=lambda pq: pq[1].width * pq[1].height)
    return passed(f"largest {_name(path, book)}, {picture.width * picture.height / 1e6:.1f} million pixels")


# ------------------------------------------------------------------ layout

LAYOUTS = ("reflowable", "pre-paginated")


def layout(book: Book) -> Verdict:
    # EPUB 3.3 section 8.2 (rendition:layout, reflowable or pre-paginated, once); Apple: a
    # fixed-layout document declares its viewport; Kobo and Apple also read the fixed-layout
    # option of their display-options files, which must say the same.
    declared = book.meta("rendition:layout")
    if len(declared) > 1:
        return failed(f"rendition:layout is declared {len(declared)} times ({', '.join(declared)})")
    overall = declared[0] if declared else "reflowable"
    if overall not in LAYOUTS:
        return failed(f'rendition:layout "{overall}": it is reflowable or pre-paginated')
    problems = []
    for idref, properties in book.spine:
        item = book.item(idref)
        own = [p.split("rendition:layout-", 1)[1] for p in properties if p.startswith("rendition:layout-")]
        if item is None or (own[0] if own else overall) != "pre-paginated":
            continue
        document = book.documents.get(item.path)
        if document is not None and not _has_viewport(document):
            problems.append(f'{item.href} is fixed layout but has no <meta name="viewport" content="width=..., '
                            'height=...">')
    for name, data in book.extras.items():
        fixed = re.search(rb'name="fixed-layout"\s*>\s*(true|false)\s*<', data)
        if fixed and (fixed.group(1) == b"true") != (overall == "pre-paginated"):
            problems.append(f"{name} says fixed-layout {fixed.group(1).decode()}, the package says {overall}")
    if problems:
        return failed(_listed(problems))
    return passed(overall + ("" if declared else " (no rendition:layout: the default)"))


def _has_viewport(document: etree._Element) -> bool:
    for meta in document.iterfind("x:head/x:meta", NS):
        if meta.get("name") == "viewport":
            content = meta.get("content", "")
            return "width" in content and "height" in content
    return False


# ------------------------------------------------------------------ the table

@dataclass(frozen=True)
class Rule:
    name: str
    retailers: tuple[str, ...]
    check: Callable[[Book], Verdict]


RULES: tuple[Rule, ...] = (
    Rule("documents parse", ALL, documents_parse),
    Rule("cover declared", ALL, cover_declared),
    Rule("cover format", ALL, cover_format),
    Rule("cover size", ALL, cover_size),
    Rule("cover page", (KOBO,), cover_page),
    Rule("identifier", ALL, identifier),
    Rule("e-book identifier", (KOBO, APPLE), ebook_identifier),
    Rule("NCX identifier", (KOBO,), ncx_identifier),
    Rule("language", ALL, language),
    Rule("title", ALL, title),
    Rule("author", ALL, creator),
    Rule("table of contents", ALL, table_of_contents),
    Rule("page-list", (KINDLE, APPLE), page_list),
    Rule("no scripts", (KINDLE, KOBO), no_scripts),
    Rule("no forms or frames", (KINDLE, KOBO), no_forms),
    Rule("fonts", (KOBO,), fonts),
    Rule("file names", ALL, file_names),
    Rule("EPUB size", ALL, book_size),
    Rule("XHTML size", (KINDLE, KOBO), document_size),
    Rule("image file size", (KINDLE, KOBO), image_size),
    Rule("image pixels", (APPLE,), image_pixels),
    Rule("layout", ALL, layout),
    Rule("no remote resources", ALL, no_remote_resources),
)


@dataclass(frozen=True)
class Row:
    rule: str
    retailers: tuple[str, ...]
    ok: bool
    detail: str


@dataclass(frozen=True)
class BookReport:
    path: Path
    rows: tuple[Row, ...]

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def check_book(path: Path, shown_as: Path | None = None, rules: tuple[Rule, ...] = RULES) -> BookReport:
    """Read the EPUB and judge it by every rule (in this process: check_retail guards it)."""
    try:
        book = read_book(Path(path), shown_as)
    except OctavoError:
        raise
    except Exception as exc:  # a damaged file (a bad CRC, a truncated entry) is a verdict, not a crash
        raise OctavoError(f"{shown_as or path}: cannot read this EPUB ({exc})") from None
    rows = []
    for rule in rules:
        try:
            verdict = rule.check(book)
        except Exception as exc:  # a structure no rule foresaw: say so in the row, check the rest
            verdict = failed(f"cannot be checked: {type(exc).__name__}: {exc}")
        rows.append(Row(rule.name, rule.retailers, verdict.ok, verdict.detail))
    return BookReport(Path(shown_as or path), tuple(rows))


@dataclass
class RetailReport:
    """One table per EPUB; `lines` and `summary` as verify.Report has them, for the CLI."""

    books: list[BookReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not b.failures for b in self.books)

    def lines(self) -> list[str]:
        out = []
        for book in self.books:
            out.append(f"EPUB {book.path}: retailer requirements ({', '.join(ALL)}; Kindle: KDP and Send to Kindle)")
            out += _table(book.rows)
            failures = book.failures
            out.append(f"  {len(book.rows) - len(failures)} passed, {len(failures)} failed"
                       + (f": {', '.join(r.rule for r in failures)}" if failures else ""))
        return out

    def summary(self) -> str:
        count = len(self.books)
        if self.ok:
            return f"retailer check: {count} EPUB{'s' * (count != 1)}, every requirement met"
        failing = [f"{b.path.name} ({', '.join(r.rule for r in b.failures)})" for b in self.books if b.failures]
        return (f"retailer check failed: {len(failing)} of {count} EPUB{'s' * (count != 1)}: " + "; ".join(failing)
                + "\n  docs/editions.md, 'Ready for the retailer', says what each requirement asks and how to meet it")


def _table(rows: tuple[Row, ...]) -> list[str]:
    header = ("requirement", "retailers", "verdict", "detail")
    cells = [(r.rule, ", ".join(r.retailers), "pass" if r.ok else "FAIL", r.detail) for r in rows]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(3)]
    return ["  " + "  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3] for c in [header, *cells]]


def check_retail(paths: list[Path]) -> RetailReport:
    """Check each EPUB in a child process with the proof's limits (a stranger's file)."""
    report = RetailReport()
    for path in paths:
        path = Path(path)
        if path.suffix.lower() != ".epub":
            raise OctavoError(f"{path}: --retail checks EPUBs (<slug>.epub); this is not one")
        report.books.append(_guarded(check_book, path))
    return report


def _guarded(function, path: Path):
    """function(path) in a child process with verify's limits for a stranger's file."""
    from .verify import run_guarded

    return run_guarded(function, path)
