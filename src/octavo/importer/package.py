"""A Word file opened safely: a zip within limits, its XML parts, its core properties.

A .docx is a zip of XML parts (ECMA-376 Part 2, Open Packaging Conventions).
Everything is read into memory once, after the zip's sizes are checked, so a
zip bomb stops here (the caps of the EPUB reader in verify.py), and every
XML part is parsed without DTDs, entities or the network: Word never writes a
DTD, so a part that declares one is refused rather than expanded.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import ContentError, Location, Problem

# As for an EPUB (verify.py): no more than this unpacked, no entry growing more than this many times.
DOCX_UNPACKED_BYTES = 256 * 1024 ** 2
DOCX_MAX_RATIO = 200
DOCX_MAX_ENTRIES = 10_000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
}
DOCUMENT_PART = "word/document.xml"  # where Word puts the main part; the package's relationships say where it is
# The parts the import reads beside the main part, by their relationship's type (ECMA-376 Part 1, 11.3): its
# notes and the comments on them, and the styles and numbering that give its structure.
RELATED_PARTS = ("footnotes", "endnotes", "comments", "styles", "numbering")
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAIN_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
               "application/vnd.ms-word.document.macroEnabled.main+xml",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")
_HINT = "open it in Word or LibreOffice and save it as a Word document (.docx)"


@dataclass
class Docx:
    """A Word file's parts, name -> bytes, read whole; `path` is where it came from (for messages)."""

    path: Path
    parts: dict[str, bytes]
    _trees: dict = field(default_factory=dict, repr=False)

    @property
    def main(self) -> str:
        """The main part's name: the target of the package's officeDocument relationship
        (_rels/.rels, ECMA-376 Part 2, 9.3), word/document.xml where there is none."""
        return self._relation("_rels/.rels", "", "officeDocument") or DOCUMENT_PART

    def related(self, kind: str) -> str:
        """The name of the part the main part relates to as `kind` ("footnotes", "styles", …):
        its relationships part says where (word/_rels/document.xml.rels); else Word's own name."""
        folder, _, name = self.main.rpartition("/")
        rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        return self._relation(rels, folder, kind) or f"word/{kind}.xml"

    def _relation(self, rels: str, folder: str, kind: str) -> str | None:
        if rels not in self.parts:
            return None
        for rel in self.xml(rels).iter(_PACKAGE_RELS):
            if rel.get("Type") in (_RELATIONSHIPS + kind, "http://purl.oclc.org/ooxml/officeDocument/relationships/"
                                   + kind) and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else "/".join(p for p in (folder, target) if p)
                parts: list[str] = []
                for piece in path.split("/"):
                    if piece == "..":
                        parts = parts[:-1]
                    elif piece not in ("", "."):
                        parts.append(piece)
                return "/".join(parts)
        return None

    def xml(self, name: str):
        """A part parsed (and kept), or None when the file has no such part."""
        if name not in self._trees:
            data = self.parts.get(name)
            self._trees[name] = None if data is None else parse_part(data, self.path, name)
        return self._trees[name]

    def replace(self, name: str, tree) -> None:
        self.parts[name] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
        self._trees[name] = tree

    def zipped(self) -> io.BytesIO:
        """The parts as a zip again, for the converter (mammoth reads a file object)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.parts.items():
                zf.writestr(name, data)
        out.seek(0)
        return out

    def core_property(self, tag: str) -> str:
        """A core property's text (docProps/core.xml), '' when absent: dc:creator, dc:title, dc:language."""
        core = self.xml("docProps/core.xml")
        found = core.find(tag, NS) if core is not None else None
        return " ".join((found.text or "").split()) if found is not None else ""

    def default_language(self) -> str:
        """The language the document's text is in: the core property, else the styles' default."""
        language = self.core_property("dc:language")
        if language:
            return language
        styles = self.xml(self.related("styles"))
        lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS) if styles is not None else None
        return lang.get(f"{{{W}}}val", "") if lang is not None else ""


def not_a_word_document(path: Path, why: str) -> ContentError:
    return ContentError([Problem(Location(path), f"not a Word document: {why}", _HINT)])


def read_docx(path: Path) -> Docx:
    """Open a .docx within limits; a clear content error for anything else (never a traceback)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_sizes(path, infos)
            parts = {info.filename: zf.read(info) for info in infos if not info.is_dir()}
    except zipfile.BadZipFile:
        raise not_a_word_document(path, "it is not a zip file (a .doc from Word 97-2003, or another kind of file?)") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError) as exc:
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression
        raise not_a_word_document(path, f"its zip cannot be read ({exc})") from None
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise ContentError([Problem(Location(path), f"cannot open it: {exc.strerror}",
                                        "give the path of a .docx file")]) from None
        raise not_a_word_document(path, f"its zip is damaged ({exc})") from None
    docx = Docx(path, parts)
    _check_is_word(docx)
    return docx


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > DOCX_MAX_ENTRIES:
        raise not_a_word_document(path, f"its zip holds {len(infos)} files, more than the {DOCX_MAX_ENTRIES} Octavo reads")
    if sum(i.file_size for i in infos) > DOCX_UNPACKED_BYTES or any(
            i.file_size > 1024 ** 2 and i.file_size > DOCX_MAX_RATIO * max(i.compress_size, 1) for i in infos):
        raise not_a_word_document(path, f"the zip unpacks to more than Octavo reads in a Word document "
                                        f"({DOCX_UNPACKED_BYTES // 1024 ** 2} MB in all, {DOCX_MAX_RATIO} times "
                                        "an entry's size)")


def _check_is_word(docx: Docx) -> None:
    """A zip is a Word document when its content types name a WordprocessingML main part, the one
    its package relationships point to (word/document.xml as Word writes it)."""
    if "[Content_Types].xml" in docx.parts and "_rels/.rels" in docx.parts:
        docx.xml("_rels/.rels")  # well-formed, or it stops here
    main = docx.main
    if "[Content_Types].xml" not in docx.parts or main not in docx.parts:
        what = "an EPUB" if "META-INF/container.xml" in docx.parts else \
            "an OpenDocument file" if docx.parts.get("mimetype", b"").startswith(b"application/vnd.oasis") else \
            "a zip file"
        missing = " and ".join(f"{name}" for name in ("[Content_Types].xml", main) if name not in docx.parts)
        raise not_a_word_document(docx.path, f"it is {what} without a Word document's parts ({missing})")
    types = docx.xml("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iterfind("ct:Override", NS)}
    if overrides.get("/" + main) not in _MAIN_TYPES:
        raise not_a_word_document(docx.path, f"its {main} is not declared as a Word document's main part")
    for name in [main, "docProps/core.xml"] + [docx.related(kind) for kind in RELATED_PARTS]:
        docx.xml(name)  # every part the import reads is well-formed, or it stops here


_DOCTYPE_RE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_part(data: bytes, path: Path, name: str):
    if _DOCTYPE_RE.search(data[:4096]) or b"<!ENTITY" in data:
        raise not_a_word_document(path, f"its part {name} declares a DTD or entities, which Word never writes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_blank_text=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise not_a_word_document(path, f"its part {name} is not well-formed XML ({str(exc)[:80]})") from None
