"""The Matterhorn Protocol 1.1's machine-checkable failure conditions that no other test of
Octavo's tagged PDFs pins down, read from the built file (pypdf for the objects and content
streams, fontTools for the embedded font programs).

`failures(path)` returns one line per failure, each starting with the condition's number
("31-030 page 2: …"), so a test can assert the list is empty and a broken file's test can assert
which condition it names. docs/editions.md's Matterhorn table names the test of each condition.

Why here and not in `octavo check`: these conditions are properties of how WeasyPrint and
Octavo's tagging write a PDF, not of a paper's content; a paper cannot break them without
breaking the code, which these tests guard, on the seed and the fixtures (issue 22).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, NameObject, StreamObject

# ISO 32000-1, Table 118: the predefined CMaps a reader knows without an embedded stream.
PREDEFINED_CMAPS = frozenset("""
GB-EUC-H GB-EUC-V GBpc-EUC-H GBpc-EUC-V GBK-EUC-H GBK-EUC-V GBKp-EUC-H GBKp-EUC-V GBK2K-H GBK2K-V
UniGB-UCS2-H UniGB-UCS2-V UniGB-UTF16-H UniGB-UTF16-V B5pc-H B5pc-V HKscs-B5-H HKscs-B5-V
ETen-B5-H ETen-B5-V ETenms-B5-H ETenms-B5-V CNS-EUC-H CNS-EUC-V UniCNS-UCS2-H UniCNS-UCS2-V
UniCNS-UTF16-H UniCNS-UTF16-V 83pv-RKSJ-H 90ms-RKSJ-H 90ms-RKSJ-V 90msp-RKSJ-H 90msp-RKSJ-V
90pv-RKSJ-H Add-RKSJ-H Add-RKSJ-V EUC-H EUC-V Ext-RKSJ-H Ext-RKSJ-V H V UniJIS-UCS2-H
UniJIS-UCS2-V UniJIS-UCS2-HW-H UniJIS-UCS2-HW-V UniJIS-UTF16-H UniJIS-UTF16-V KSC-EUC-H KSC-EUC-V
KSCms-UHC-H KSCms-UHC-V KSCms-UHC-HW-H KSCms-UHC-HW-V KSCpc-EUC-H UniKS-UCS2-H UniKS-UCS2-V
UniKS-UTF16-H UniKS-UTF16-V Identity-H Identity-V""".split())

# ISO 32000-1, Table 337 (tables) and Table 336 (lists): which element may hold which.
TABLE_CHILDREN = {
    "/Table": {"/TR", "/THead", "/TBody", "/TFoot", "/Caption"},
    "/THead": {"/TR"}, "/TBody": {"/TR"}, "/TFoot": {"/TR"},
    "/TR": {"/TH", "/TD"},
}
TABLE_PARENTS = {"/TR": {"/Table", "/THead", "/TBody", "/TFoot"}, "/TH": {"/TR"}, "/TD": {"/TR"},
                 "/THead": {"/Table"}, "/TBody": {"/Table"}, "/TFoot": {"/Table"}}
LIST_CHILDREN = {"/L": {"/LI", "/L", "/Caption"}, "/LI": {"/Lbl", "/LBody"}}
# A footnote's number is a Lbl in its Note: ISO 32000-2 (14.8.4.8.3) lets a Lbl label a Note
# as well as a list item, and the PDF Association's Tagged PDF Best Practice Guide tags
# footnotes so. Anywhere else a Lbl or LBody stands outside its list item.
LIST_PARENTS = {"/LI": {"/L"}, "/LBody": {"/LI"}, "/Lbl": {"/LI", "/Note"}}

TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}
PAINTING = TEXT_SHOWING | {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh",
                           b"INLINE IMAGE"}


@dataclass
class Font:
    """A Type 0 font of the file, and the codes its text shows."""
    obj: DictionaryObject
    used: set[int] = field(default_factory=set)
    where: dict[int, str] = field(default_factory=dict)

    @property
    def descendant(self) -> DictionaryObject:
        return self.obj["/DescendantFonts"][0].get_object()

    @property
    def name(self) -> str:
        return str(self.obj.get("/BaseFont", "(unnamed)")).lstrip("/")


@dataclass
class Reading:
    """What one pass over every content stream found."""
    marks: list[str] = field(default_factory=list)         # 01-003, 01-004
    unmarked: list[str] = field(default_factory=list)      # 01-005 (paths and images too)
    form_uses: Counter = field(default_factory=Counter)    # 30-002
    forms_with_mcids: dict[int, str] = field(default_factory=dict)
    fonts: dict[int, Font] = field(default_factory=dict)


def _name(value) -> str:
    return str(value) if value is not None else ""


def _decoded_codes(operands, operator: bytes) -> list[bytes]:
    if operator == b"TJ":
        strings = [item for item in operands[0] if not isinstance(item, (int, float))]
    else:
        strings = [operands[-1]]
    return [s.original_bytes if hasattr(s, "original_bytes") else bytes(s) for s in strings]


def _properties(operands, resources) -> DictionaryObject:
    props = operands[1] if len(operands) > 1 else None
    if isinstance(props, NameObject):  # named in the resources' /Properties
        props = (resources.get("/Properties") or {}).get(props)
    props = props.get_object() if props is not None else None
    return props if isinstance(props, dict) else {}


def _read_stream(reader: Reading, stream, resources, where: str, stack: list[str]) -> None:
    from pypdf.generic import ContentStream

    content = ContentStream(stream, None)
    stack = list(stack)
    font_stack: list = [None]
    for operands, operator in content.operations:
        if operator in (b"BDC", b"BMC"):
            tag = _name(operands[0])
            props = _properties(operands, resources) if operator == b"BDC" else {}
            kind = "artifact" if tag == "/Artifact" else "tagged" if "/MCID" in props else "other"
            if kind == "artifact" and "tagged" in stack:
                reader.marks.append(f"01-003 {where}: an Artifact inside tagged (MCID) content")
            if kind == "tagged" and "artifact" in stack:
                reader.marks.append(f"01-004 {where}: tagged content (MCID {props['/MCID']}) inside an Artifact")
            stack.append(kind)
        elif operator == b"EMC":
            if stack:
                stack.pop()
        elif operator == b"q":
            font_stack.append(font_stack[-1])
        elif operator == b"Q":
            if len(font_stack) > 1:
                font_stack.pop()
        elif operator == b"Tf":
            font = (resources.get("/Font") or {}).get(operands[0])
            font_stack[-1] = font.get_object() if font is not None else None
        elif operator == b"Do":
            xobject = (resources.get("/XObject") or {}).get(operands[0])
            xobject = xobject.get_object() if xobject is not None else None
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                ident = xobject.indirect_reference.idnum if xobject.indirect_reference else id(xobject)
                reader.form_uses[ident] += 1
                if b"/MCID" in xobject.get_data():
                    reader.forms_with_mcids[ident] = where
                _read_stream(reader, xobject, xobject.get("/Resources") or resources,
                             f"{where} (form {operands[0]})", stack)
                continue
        if operator in PAINTING or operator == b"Do":
            if "artifact" not in stack and "tagged" not in stack:
                reader.unmarked.append(f"01-005 {where}: '{operator.decode()}' paints outside both "
                                       "the structure tree's marked content and an Artifact")
        if operator in TEXT_SHOWING:
            font = font_stack[-1]
            if font is not None and font.get("/Subtype") == "/Type0":
                key = font.indirect_reference.idnum if font.indirect_reference else id(font)
                entry = reader.fonts.setdefault(key, Font(font))
                for data in _decoded_codes(operands, operator):
                    for i in range(0, len(data) - 1, 2):
                        code = int.from_bytes(data[i:i + 2], "big")
                        entry.used.add(code)
                        entry.where.setdefault(code, where)


def read_content(pdf: PdfReader) -> Reading:
    reading = Reading()
    for index, page in enumerate(pdf.pages):
        contents = page.get_contents()
        if contents is not None:
            _read_stream(reading, contents, page.get("/Resources") or {}, f"page {index + 1}", [])
        for font in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                reading.fonts.setdefault(font.indirect_reference.idnum, Font(font))
    return reading


# ---------------------------------------------------------------- structure

def _elements(pdf: PdfReader):
    """Each structure element with its parent's type: (element, parent /S)."""
    root = pdf.trailer["/Root"].get("/StructTreeRoot")
    if root is None:
        return
    pending = [(root.get_object(), "")]
    while pending:
        node, parent = pending.pop()
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid and kid.get("/Type") not in ("/MCR", "/OBJR"):
                yield kid, _name(node.get("/S"))
                pending.append((kid, _name(kid["/S"])))


def _kid_types(element) -> list[str]:
    kids = element.get("/K")
    kids = kids.get_object() if kids is not None else None
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    types = []
    for kid in kids:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            types.append(_name(kid["/S"]))
    return types


def _nesting(pdf: PdfReader, condition: str, children: dict, parents: dict) -> list[str]:
    found = []
    for element, parent in _elements(pdf):
        kind = _name(element["/S"])
        if kind in parents and parent not in parents[kind]:
            found.append(f"{condition}: a {kind[1:]} stands in a {parent[1:] or 'the tree root'}")
        for child in _kid_types(element) if kind in children else ():
            if child not in children[kind]:
                found.append(f"{condition}: a {kind[1:]} holds a {child[1:]}")
    return found


def _attributes(element) -> list[dict]:
    value = element.get("/A")
    value = value.get_object() if value is not None else None
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [item.get_object() for item in items if hasattr(item, "get_object") and isinstance(item.get_object(), dict)]


def _table_headers(pdf: PdfReader) -> list[str]:
    """15-003: a TH has a Scope, unless the table ties each TD to its THs by /Headers and /ID."""
    found = []
    tables = [element for element, _ in _elements(pdf) if element["/S"] == "/Table"]
    for number, table in enumerate(tables, 1):
        cells, pending = [], [table]
        while pending:
            node = pending.pop()
            for kid in (node.get("/K") or []) if isinstance(node.get("/K"), list) else [node.get("/K")]:
                kid = kid.get_object() if kid is not None and hasattr(kid, "get_object") else kid
                if isinstance(kid, dict) and "/S" in kid:
                    (cells.append(kid) if kid["/S"] in ("/TH", "/TD") else pending.append(kid))
        headers = [cell for cell in cells if cell["/S"] == "/TH"]
        ids = {_key(cell["/ID"]) for cell in headers if "/ID" in cell}
        tied = True
        for cell in cells:
            if cell["/S"] != "/TD":
                continue
            groups = [attrs["/Headers"] for attrs in _attributes(cell) if "/Headers" in attrs]
            names = [_key(ref) for group in groups for ref in group.get_object()]
            if not names or not all(name in ids for name in names):
                tied = False
        if tied and headers:
            continue
        for cell in headers:
            if not any("/Scope" in attrs for attrs in _attributes(cell)):
                found.append(f"15-003: table {number} has a TH with no Scope and its TDs are not "
                             "tied to their headers by /Headers")
                break
    return found


def _key(value) -> bytes:
    value = value.get_object() if hasattr(value, "get_object") else value
    return bytes(value.original_bytes) if hasattr(value, "original_bytes") else str(value).encode()


def _figures(pdf: PdfReader) -> list[str]:
    return [f"13-004: a Figure has no /Alt (its words: {element.get('/ActualText', 'none')})"
            for element, _ in _elements(pdf)
            if element["/S"] == "/Figure" and not str(element.get("/Alt", "")).strip()
            and not str(element.get("/ActualText", "")).strip()]


# ---------------------------------------------------------------- the file's dictionaries

def _embedded_files(pdf: PdfReader) -> list[str]:
    found = []
    names = pdf.trailer["/Root"].get("/Names")
    tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
    pending = [tree.get_object()] if tree is not None else []
    while pending:
        node = pending.pop()
        for kid in node.get("/Kids") or []:
            pending.append(kid.get_object())
        pairs = node.get("/Names") or []
        for name, spec in zip(pairs[::2], pairs[1::2]):
            spec = spec.get_object()
            missing = [key for key in ("/F", "/UF") if key not in spec]
            if missing:
                found.append(f"21-001: the attached file '{name}' lacks {' and '.join(missing)}")
    return found


def _tabs(pdf: PdfReader) -> list[str]:
    found = []
    for index, page in enumerate(pdf.pages):
        if page.get("/Annots"):
            tabs = page.get("/Tabs")
            if tabs is None:
                found.append(f"28-008 page {index + 1}: annotations but no /Tabs")
            elif tabs != "/S":
                found.append(f"28-009 page {index + 1}: /Tabs is {tabs}, not /S")
    return found


def _title(pdf: PdfReader) -> list[str]:
    found = []
    xmp = pdf.xmp_metadata
    titles = (xmp.dc_title or {}) if xmp is not None else {}
    if not any(str(title).strip() for title in titles.values()):
        found.append("06-003: the XMP metadata has no dc:title")
    preferences = pdf.trailer["/Root"].get("/ViewerPreferences")
    preferences = preferences.get_object() if preferences is not None else {}
    if "/DisplayDocTitle" not in preferences:
        found.append("07-001: ViewerPreferences has no DisplayDocTitle")
    elif not getattr(preferences["/DisplayDocTitle"], "value", preferences["/DisplayDocTitle"]):
        found.append("07-002: DisplayDocTitle is false")
    return found


# ---------------------------------------------------------------- fonts

def _cmap_problems(font: Font) -> list[str]:
    found = []
    encoding = font.obj.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    name = font.name
    if isinstance(encoding, StreamObject):
        mine = encoding.get("/CIDSystemInfo")
        theirs = font.descendant.get("/CIDSystemInfo")
        mine, theirs = (mine.get_object() if mine else {}), (theirs.get_object() if theirs else {})
        if str(mine.get("/Registry")) != str(theirs.get("/Registry")):
            found.append(f"31-001: {name}'s CMap and CIDFont name different Registries")
        if str(mine.get("/Ordering")) != str(theirs.get("/Ordering")):
            found.append(f"31-002: {name}'s CMap and CIDFont name different Orderings")
        if int(theirs.get("/Supplement", 0)) < int(mine.get("/Supplement", 0)):
            found.append(f"31-003: {name}'s CIDFont Supplement is below its CMap's")
        data = encoding.get_data().decode("latin-1")
        written = re.search(r"/WMode\s+(\d)\s+def", data)
        if int(encoding.get("/WMode", 0)) != (int(written.group(1)) if written else 0):
            found.append(f"31-007: {name}'s CMap gives one WMode in its dictionary and another in its stream")
        uses = encoding.get("/UseCMap")
        used = [uses.get_object()] if uses is not None else []
        used += [m.group(1) for m in re.finditer(r"/(\S+)\s+usecmap", data)]
        for other in used:
            if isinstance(other, StreamObject) or str(other).lstrip("/") not in PREDEFINED_CMAPS:
                found.append(f"31-008: {name}'s CMap uses a CMap that is not predefined")
    elif str(encoding).lstrip("/") not in PREDEFINED_CMAPS:
        found.append(f"31-006: {name}'s CMap {encoding} is neither predefined nor embedded")
    descendant = font.descendant
    if descendant.get("/Subtype") == "/CIDFontType2":
        mapping = descendant.get("/CIDToGIDMap")
        mapping = mapping.get_object() if mapping is not None else None
        if mapping is None:
            found.append(f"31-005: {name} is a Type 2 CIDFont with no CIDToGIDMap")
        elif not (isinstance(mapping, StreamObject) or mapping == "/Identity"):
            found.append(f"31-004: {name}'s CIDToGIDMap is neither a stream nor /Identity")
    return found


def _widths(descendant) -> dict[int, float]:
    widths, items = {}, list(descendant.get("/W") or [])
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1].get_object() if hasattr(items[i + 1], "get_object") else items[i + 1], list):
            for offset, width in enumerate(items[i + 1].get_object()):
                widths[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(items[i + 1]) + 1):
                widths[cid] = float(items[i + 2])
            i += 3
    return widths


def _to_unicode(font: Font) -> list[str]:
    stream = font.obj.get("/ToUnicode")
    if stream is None:
        return []
    data = stream.get_object().get_data().decode("latin-1")
    found = []
    destinations = []
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        destinations += re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]*)>", block)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[.*?\]|<[0-9A-Fa-f]*>)", block, re.S):
            destinations += re.findall(r"<([0-9A-Fa-f]*)>", rest)
    for destination in destinations:
        units = {destination[i:i + 4].upper() for i in range(0, len(destination), 4)}
        if "0000" in units:
            found.append(f"31-028: {font.name}'s ToUnicode maps a code to U+0000")
        if units & {"FEFF", "FFFE"}:
            found.append(f"31-029: {font.name}'s ToUnicode maps a code to U+FEFF or U+FFFE")
    return sorted(set(found))


def _program_problems(font: Font) -> list[str]:
    """31-011 (a glyph the text uses is missing from the embedded program), 31-016 (its width in
    the PDF differs from the program's) and 31-030 (the text shows .notdef)."""
    from fontTools.ttLib import TTFont

    descendant = font.descendant
    descriptor = descendant["/FontDescriptor"].get_object()
    program = next((descriptor[key] for key in ("/FontFile2", "/FontFile3") if key in descriptor), None)
    if program is None:
        return []  # 31-009 (not embedded) is tested elsewhere
    ttfont = TTFont(io.BytesIO(program.get_object().get_data()), lazy=True)
    order = ttfont.getGlyphOrder()
    cff = "CFF " in ttfont
    cid_keyed = cff and hasattr(ttfont["CFF "].cff.topDictIndex[0], "ROS")
    names = set(order)
    mapping = descendant.get("/CIDToGIDMap")
    mapping = mapping.get_object() if mapping is not None else None
    table = mapping.get_data() if isinstance(mapping, StreamObject) else None
    units = ttfont["head"].unitsPerEm
    advances = ttfont["hmtx"].metrics
    widths, default = _widths(descendant), float(descendant.get("/DW", 1000))
    found = []
    for cid in sorted(font.used):
        where = font.where.get(cid, "")
        if cid_keyed:
            glyph = ".notdef" if cid == 0 else f"cid{cid:05d}"
            present = glyph in names
        else:
            gid = int.from_bytes(table[2 * cid:2 * cid + 2], "big") if table is not None else cid
            present = gid < len(order)
            glyph = order[gid] if present else None
        if not present:
            found.append(f"31-011 {where}: {font.name} shows CID {cid}, a glyph its program lacks")
            continue
        if glyph == ".notdef" or (not cid_keyed and order.index(glyph) == 0):
            found.append(f"31-030 {where}: {font.name} shows the .notdef glyph")
        program_width = advances[glyph][0] * 1000 / units
        if abs(widths.get(cid, default) - program_width) > 1:
            found.append(f"31-016 {where}: {font.name}'s width for CID {cid} is {widths.get(cid, default):g} "
                         f"in the PDF and {program_width:g} in the program")
    return found


# ---------------------------------------------------------------- all of it

def failures(path: Path) -> list[str]:
    """Every failure of the conditions above in the PDF at `path`, each naming its condition."""
    pdf = PdfReader(str(path))
    reading = read_content(pdf)
    found = reading.marks + reading.unmarked
    found += [f"30-002: a form XObject holding MCIDs is drawn {count} times (first at {reading.forms_with_mcids[ident]})"
              for ident, count in reading.form_uses.items() if count > 1 and ident in reading.forms_with_mcids]
    found += _nesting(pdf, "09-004", TABLE_CHILDREN, TABLE_PARENTS)
    found += _nesting(pdf, "09-005", LIST_CHILDREN, LIST_PARENTS)
    found += _figures(pdf) + _table_headers(pdf) + _embedded_files(pdf) + _tabs(pdf) + _title(pdf)
    for font in reading.fonts.values():
        found += _cmap_problems(font) + _to_unicode(font) + _program_problems(font)
    return found
