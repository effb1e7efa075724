"""Word to HTML, with mammoth: the document's structure by its styles, its images with their alt text.

Mammoth reads the structure Word's styles give (headings, lists by their
numbering, tables, footnotes and endnotes, links, bold and italic) and
ignores the look (fonts, colours, sizes), which is what Octavo wants: the
house style does the look. The style map below adds what Octavo needs beyond
mammoth's defaults: the title and subtitle, quotations (Word's Quote and
Intense Quote, LibreOffice's Quotations, Block Text, and a plain paragraph
indented from the left margin) as block quotes, captions, and the table of
contents (Word's "toc 1"…, LibreOffice's "Contents 1"…), which is left out.

Images are collected here, in memory, with safe names (figure-1.png, …):
nothing is written until the whole import has succeeded. Mammoth's default
of never opening a linked (not embedded) file is kept: such an image is
named, and the author is told to copy it in.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import mammoth
import mammoth.transforms
from lxml import etree

from .package import NS, W, Docx, not_a_word_document

STYLE_MAP = """
p[style-name='Title'] => p.octavo-title:fresh
p[style-name='Subtitle'] => p.octavo-subtitle:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Quotations'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
p[style-name='Octavo Indented'] => blockquote > p:fresh
p[style-name='Caption'] => p.octavo-caption:fresh
p[style-name='TOC Heading'] => p.octavo-toc:fresh
p[style-name='Contents Heading'] => p.octavo-toc:fresh
""" + "".join(f"p[style-name='toc {n}'] => p.octavo-toc:fresh\np[style-name='Contents {n}'] => p.octavo-toc:fresh\n"
              for n in range(1, 10))

# A plain paragraph indented this far from the left margin (twips: 1/1440 inch; 567 = 1 cm) is a
# quotation, as typists set one off before Word had a Quote style.
QUOTE_INDENT_TWIPS = 567
# The formats an edition carries as they are (markdown.IMAGE_FORMATS, svg), by media type.
_KEPT = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg"}
# Formats Pillow reads and Octavo does not carry: converted, without loss, to PNG.
_TO_PNG = ("image/tiff", "image/bmp", "image/x-ms-bmp")
# Others (Windows metafiles above all) keep their own ending, and `octavo validate` names them.
_OTHER = {"image/x-emf": "emf", "image/emf": "emf", "image/x-wmf": "wmf", "image/wmf": "wmf"}


@dataclass
class Converted:
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  # "images/figure-1.png" -> bytes
    notes: list[str] = field(default_factory=list)  # what the author should know about the conversion


def to_html(docx: Docx) -> Converted:
    converted = Converted("")
    _join_drop_caps(docx)
    _leave_out_hidden_text(docx, converted)
    _keep_what_mammoth_drops(docx)

    def image(picture) -> dict:
        name = _store_image(picture, converted)
        return {"src": name, "alt": (picture.alt_text or "").strip()}

    try:
        result = mammoth.convert_to_html(docx.zipped(), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(image),
                                         transform_document=mammoth.transforms.paragraph(_paragraph_structure))
    except Exception as exc:  # mammoth trusts the package: a reference to a part or note that is not there
        # (KeyError), a value it cannot read (ValueError) ... a damaged document, not a bug of ours to show
        raise not_a_word_document(docx.path, f"its parts do not fit together ({type(exc).__name__}: "
                                             f"{str(exc)[:100]})") from None
    converted.html = result.value
    for message in result.messages:
        if message.type == "warning" and (message.message.startswith("Unrecognised")
                                          or message.message.endswith("referenced but not defined in the document")
                                          or message.message.startswith("Image of type")):
            continue  # a style Octavo does not map, or lacks (the house style decides the look); or a
            # picture format for browsers, which _store_image converts or names itself
        converted.notes.append(f"the converter says: {message.message}")
    return converted


def _join_drop_caps(docx: Docx) -> None:
    """Word sets a drop cap as a paragraph of its own (`w:framePr w:dropCap`, ECMA-376 Part 1,
    17.3.1.11) holding the first letter of the next paragraph: a reader reads one word, "Drop",
    where a converter reads "D" and "rop". The letter goes back into the paragraph it begins."""
    tree = docx.xml(docx.main)
    if tree is None:
        return
    changed = False
    for paragraph in list(tree.iter(f"{{{W}}}p")):
        frame = paragraph.find("w:pPr/w:framePr", NS)
        following = paragraph.getnext()
        if frame is None or frame.get(f"{{{W}}}dropCap", "none") == "none" or following is None \
                or following.tag != paragraph.tag:
            continue
        properties = following.find("w:pPr", NS)
        at = 0 if properties is None else following.index(properties) + 1
        for offset, run in enumerate(c for c in list(paragraph) if c.tag != f"{{{W}}}pPr"):
            following.insert(at + offset, run)
        paragraph.getparent().remove(paragraph)
        changed = True
    if changed:
        docx.replace(docx.main, tree)


def _keep_what_mammoth_drops(docx: Docx) -> None:
    """What Word shows that mammoth reads as nothing, made into what it reads: a simple field's
    result (`w:fldSimple`, a date or a page number as last shown) becomes its runs; a carriage
    return (`w:cr`) and a page or column break inside a paragraph part two words as a space does."""
    for name in [docx.main] + [docx.related(kind) for kind in ("footnotes", "endnotes")]:
        tree = docx.xml(name)
        if tree is None:
            continue
        changed = False
        for simple in list(tree.iter(f"{{{W}}}fldSimple")):
            parent, at = simple.getparent(), simple.getparent().index(simple)
            for offset, child in enumerate(list(simple)):
                parent.insert(at + offset, child)
            parent.remove(simple)
            changed = True
        for mark in list(tree.iter(f"{{{W}}}cr", f"{{{W}}}br")):
            if mark.tag == f"{{{W}}}br" and mark.get(f"{{{W}}}type", "textWrapping") == "textWrapping":
                continue  # a line break: mammoth keeps it
            space = etree.Element(f"{{{W}}}t")
            space.text = " "
            space.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            mark.getparent().replace(mark, space)
            changed = True
        if changed:
            docx.replace(name, tree)


def _leave_out_hidden_text(docx: Docx, converted: Converted) -> None:
    """Hidden text (`w:vanish`) is what Word neither shows nor prints: a reviewer's aside, a
    field's code. Mammoth would publish it; it is left out, and the author told."""
    from .proof import hidden_run

    for name in [docx.main] + [docx.related(kind) for kind in ("footnotes", "endnotes")]:
        tree = docx.xml(name)
        runs = [r for r in tree.iter(f"{{{W}}}r") if hidden_run(r)] if tree is not None else []
        if not runs:
            continue
        words = " ".join("".join(t.text or "" for t in r.iter(f"{{{W}}}t")) for r in runs).split()
        for run in runs:
            run.getparent().remove(run)
        docx.replace(name, tree)
        converted.notes.append(f"hidden text (Word's Hidden font effect) was left out, as Word prints none of it: "
                               f"'{' '.join(words)[:80]}'")


# Word's built-in styles for the levels of a list: "List Bullet 2" is a bullet one level in.
_LIST_STYLE_RE = re.compile(r"^list(?: (bullet|number|continue))? ([2-9])$")


def _paragraph_structure(paragraph):
    return _indented_is_quote(_list_style_level(paragraph))


def _list_style_level(paragraph):
    """A paragraph in "List Bullet 2" (or "List Number 3") is an item of that level, though its numbering
    (a list definition of its own, at its level 0) does not say so."""
    match = _LIST_STYLE_RE.match((paragraph.style_name or "").lower())
    numbering = paragraph.numbering
    if match and numbering is not None and str(numbering.level_index) == "0":
        level = mammoth.documents.numbering_level(int(match.group(2)) - 1, numbering.is_ordered)
        return paragraph.copy(numbering=level)
    return paragraph


def _indented_is_quote(paragraph):
    indent = getattr(paragraph, "indent", None)
    style = (paragraph.style_name or "").lower()
    plain = not style or style in ("normal", "body text", "text body", "default paragraph style", "default style")
    try:
        start = int(float(indent.start)) if indent is not None and indent.start else 0
    except ValueError:
        start = 0
    if plain and paragraph.numbering is None and start >= QUOTE_INDENT_TWIPS:
        return paragraph.copy(style_name="Octavo Indented", style_id=None)
    return paragraph


def _store_image(picture, converted: Converted) -> str:
    number = len(converted.images) + 1
    media = (picture.content_type or "").lower()
    try:
        with picture.open() as stream:
            data = stream.read()
    except (ValueError, OSError) as exc:  # a linked picture: mammoth never opens files outside the document
        name = f"images/figure-{number}-linked.png"
        converted.notes.append(f"{name}: the picture is linked to a file, not embedded in the document "
                               f"({str(exc)[:120]}); copy the picture there, or embed it in Word and import again")
        return name
    if media in _TO_PNG:
        data, media = _as_png(data), "image/png"
    extension = _KEPT.get(media) or _OTHER.get(media) or "bin"
    name = f"images/figure-{number}.{extension}"
    if extension not in _KEPT.values():
        converted.notes.append(f"{name}: a {media or 'picture of unknown type'} that no edition can show; "
                               "save it from Word as PNG (or SVG) under that name, and change the ending in the text")
    converted.images[name] = data
    return name


def _as_png(data: bytes) -> bytes:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as picture:
            out = io.BytesIO()
            picture.save(out, "PNG")
            return out.getvalue()
    except Exception:  # Pillow raises many kinds for a damaged picture: keep the bytes, validate names it
        return data
