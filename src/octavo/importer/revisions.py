"""Tracked changes and comments: found, listed, and accepted or rejected only when asked.

Converters resolve tracked changes silently (mammoth and pandoc both read an
insertion as text and drop a deletion), so a paper imported that way could
print words a reviewer proposed and nobody accepted. The import reads the XML
itself (ECMA-376 Part 1, §17.13 "Annotations"): every revision mark in the
body and its notes, and every comment. Without --accept-changes or
--reject-changes it lists them and writes nothing; with either it rewrites the
XML as Word's "Accept All" or "Reject All" would, before conversion.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from .package import NS, W, Docx

ACCEPT, REJECT = "accept", "reject"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Run-level revisions: the text inside was inserted, deleted or moved (§17.13.5).
_TEXT_REVISIONS = {"ins": "insertion", "del": "deletion", "moveFrom": "move (from here)", "moveTo": "move (to here)"}
# Property revisions: the old properties are kept inside the change element (§17.13.5.*PrChange).
_PROPERTY_REVISIONS = {"rPrChange": "formatting change", "pPrChange": "paragraph formatting change",
                       "tblPrChange": "table formatting change", "trPrChange": "table row formatting change",
                       "tcPrChange": "table cell formatting change", "tblGridChange": "table grid change",
                       "sectPrChange": "page layout change", "numberingChange": "numbering change",
                       "tblPrExChange": "table formatting change"}
_CELL_REVISIONS = {"cellIns": "inserted table cell", "cellDel": "deleted table cell", "cellMerge": "merged table cell"}
_NOTE_KINDS = {"footnotes": ("footnote", "w:footnote"), "endnotes": ("endnote", "w:endnote")}


@dataclass(frozen=True)
class Revision:
    """One tracked change or comment, where a person finds it: the part, the paragraph, its words."""

    kind: str
    where: str  # "paragraph 7", "footnote 2, paragraph 1"
    context: str  # the first words of that paragraph, to find it in Word
    author: str
    date: str
    text: str  # the words changed (or the comment's words)

    def __str__(self) -> str:
        by = f" by {self.author}" if self.author else ""
        when = f" ({self.date[:10]})" if self.date else ""
        words = f": {_quoted(self.text)}" if self.text else ""
        return f"{self.where} ({_quoted(self.context, 40)}): {self.kind}{by}{when}{words}"


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"\u201c{text[:limit]}{'…' if len(text) > limit else ''}\u201d"


def find_revisions(docx: Docx) -> list[Revision]:
    """Every tracked change in the body and its notes, in reading order."""
    found = []
    for name, prefix in _parts(docx):
        tree = docx.xml(name)
        for where, paragraph in _paragraphs(tree, prefix):
            context = _paragraph_text(paragraph)
            for element in paragraph.iter(etree.Element):
                kind = _kind(element)
                if kind is None or _owner_paragraph(element) is not paragraph:
                    continue
                found.append(Revision(kind, where, context, element.get(_w("author"), ""),
                                      element.get(_w("date"), ""), _changed_text(element)))
        found.extend(_revisions_outside_paragraphs(tree, prefix))
    return found


def find_comments(docx: Docx) -> list[Revision]:
    """Every comment (word/comments.xml), placed at the paragraph that anchors it."""
    comments = docx.xml(docx.related("comments"))
    if comments is None:
        return []
    anchors = {}
    for name, prefix in _parts(docx):
        for where, paragraph in _paragraphs(docx.xml(name), prefix):
            for mark in paragraph.iter(_w("commentRangeStart"), _w("commentReference")):
                anchors.setdefault(mark.get(_w("id")), (where, _paragraph_text(paragraph)))
    found = []
    for comment in comments.iterfind("w:comment", NS):
        where, context = anchors.get(comment.get(_w("id")), ("(not anchored in the text)", ""))
        text = " ".join(_paragraph_text(p) for p in comment.iterfind(".//w:p", NS))
        found.append(Revision("comment", where, context, comment.get(_w("author"), ""),
                              comment.get(_w("date"), ""), text))
    return found


def _parts(docx: Docx):
    """(part name, its kind: "" for the main part, "footnotes", "endnotes") of each part with text."""
    yield docx.main, ""
    for kind in _NOTE_KINDS:
        if docx.xml(docx.related(kind)) is not None:
            yield docx.related(kind), kind


def _paragraphs(tree, part: str):
    """(where, paragraph) for each paragraph of a part: numbered through the body, or within each note."""
    if part in _NOTE_KINDS:
        label, tag = _NOTE_KINDS[part]
        for note in tree.iterfind(tag, NS):
            if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            for number, paragraph in enumerate(note.iter(_w("p")), 1):
                yield f"{label} {note.get(_w('id'))}, paragraph {number}", paragraph
        return
    for number, paragraph in enumerate(tree.iter(_w("p")), 1):
        yield f"paragraph {number}", paragraph


def _kind(element) -> str | None:
    local = etree.QName(element).localname if element.tag.startswith(f"{{{W}}}") else None
    if local in _TEXT_REVISIONS:
        parent = etree.QName(element.getparent()).localname
        if parent == "rPr":  # the paragraph mark itself (§17.13.5.15): paragraphs split or joined
            grand = etree.QName(element.getparent().getparent()).localname
            if grand == "pPr":
                return {"ins": "inserted paragraph break", "del": "deleted paragraph break"}.get(local, "moved paragraph")
            return None  # a run's own w:rPr/w:del is the deleted run mark inside a numbering or math; not text
        if parent == "trPr":
            return None  # table rows: _table_revisions
        return _TEXT_REVISIONS[local]
    return _PROPERTY_REVISIONS.get(local) or _CELL_REVISIONS.get(local)


def _owner_paragraph(element):
    for ancestor in element.iterancestors(_w("p")):
        return ancestor
    return None


def _revisions_outside_paragraphs(tree, part: str) -> list[Revision]:
    """Revisions that belong to no paragraph: inserted or deleted table rows (w:trPr/w:ins), and
    property changes of a table, a row or cell, or the page layout."""
    found = []
    place = f" in the {part.split('/')[-1].removesuffix('.xml')}" if part else ""
    for element in tree.iter(etree.Element):
        if _owner_paragraph(element) is not None:
            continue
        local = etree.QName(element).localname
        parent = element.getparent()
        if local in ("ins", "del") and parent is not None and etree.QName(parent).localname == "trPr":
            row = parent.getparent()
            text = " | ".join(_paragraph_text(p) for p in row.iter(_w("p")))
            found.append(Revision("inserted table row" if local == "ins" else "deleted table row",
                                  f"a table row{place}", text, element.get(_w("author"), ""),
                                  element.get(_w("date"), ""), ""))
        elif local in _PROPERTY_REVISIONS or local in _CELL_REVISIONS:
            table = next(element.iterancestors(_w("tbl")), None)
            context = _paragraph_text(next(table.iter(_w("p")), table)) if table is not None else ""
            found.append(Revision(_PROPERTY_REVISIONS.get(local) or _CELL_REVISIONS[local],
                                  f"a table{place}" if table is not None else f"the page layout{place}",
                                  context, element.get(_w("author"), ""), element.get(_w("date"), ""), ""))
    return found


def _changed_text(element) -> str:
    local = etree.QName(element).localname
    if local.endswith("Change"):  # a property change: the text it applies to
        holder = element.getparent().getparent()
        return "".join(t.text or "" for t in holder.iter(_w("t"))) if etree.QName(holder).localname == "r" else ""
    return "".join(t.text or "" for t in element.iter(_w("t"), _w("delText"), _w("instrText"), _w("delInstrText")))


def _paragraph_text(paragraph) -> str:
    return " ".join("".join(t.text or "" for t in paragraph.iter(_w("t"), _w("delText"))).split())


# ------------------------------------------------------------ accept or reject

def resolve(docx: Docx, decision: str) -> None:
    """Accept or reject every tracked change, and take out the comments' marks, in place."""
    for name, _ in _parts(docx):
        tree = docx.xml(name)
        _resolve_tree(tree, decision)
        _drop_comment_marks(tree)
        docx.replace(name, tree)
    if docx.related("comments") in docx.parts:
        comments = docx.xml(docx.related("comments"))
        for comment in list(comments):
            comments.remove(comment)
        docx.replace(docx.related("comments"), comments)


def _resolve_tree(tree, decision: str) -> None:
    keep, drop = (("ins", "moveTo"), ("del", "moveFrom")) if decision == ACCEPT else (("del", "moveFrom"), ("ins", "moveTo"))
    # Rows first: a deleted row goes whole (accept), an inserted one too (reject).
    for mark in list(tree.iterfind(".//w:trPr/*", NS)):
        local = etree.QName(mark).localname
        if local in ("ins", "del"):
            row = mark.getparent().getparent()
            if local in drop and row.getparent() is not None:
                row.getparent().remove(row)
            else:
                mark.getparent().remove(mark)
    # Paragraph marks: a dropped mark joins the paragraph with the next one (Word's behaviour).
    for mark in list(tree.iterfind(".//w:pPr/w:rPr/*", NS)):
        local = etree.QName(mark).localname
        if local not in keep + drop:
            continue
        paragraph = mark.getparent().getparent().getparent()
        mark.getparent().remove(mark)
        if local in drop:
            _join_with_next(paragraph)
    for local in keep:
        for element in list(tree.iter(_w(local))):
            _unwrap(element)
    for local in drop:
        for element in list(tree.iter(_w(local))):
            if element.getparent() is not None:
                element.getparent().remove(element)
    if decision == REJECT:  # what was deleted stays: deleted text is text again
        for element in tree.iter(_w("delText"), _w("delInstrText")):
            element.tag = _w("t") if etree.QName(element).localname == "delText" else _w("instrText")
    for local in _PROPERTY_REVISIONS:
        for change in list(tree.iter(_w(local))):
            if decision == REJECT:
                _restore_old_properties(change)
            elif change.getparent() is not None:
                change.getparent().remove(change)
    for local in _CELL_REVISIONS:
        for mark in list(tree.iter(_w(local))):
            mark.getparent().remove(mark)


def _unwrap(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


def _join_with_next(paragraph) -> None:
    following = paragraph.getnext()
    if following is None or following.tag != _w("p"):
        return
    for child in list(following):
        if child.tag != _w("pPr"):
            paragraph.append(child)
    following.getparent().remove(following)


def _restore_old_properties(change) -> None:
    """Reject a property change: the properties become those kept inside the change (§17.13.5.29)."""
    properties = change.getparent()
    old = change.find("*")
    if properties is None:
        return
    keep = [copy.deepcopy(c) for c in properties if etree.QName(c).localname in ("rPr", "sectPr")
            and etree.QName(properties).localname == "pPr"]
    for child in list(properties):
        properties.remove(child)
    for child in list(old) if old is not None else []:
        properties.append(child)
    for child in keep:
        properties.append(child)


def _drop_comment_marks(tree) -> None:
    for mark in list(tree.iter(_w("commentRangeStart"), _w("commentRangeEnd"))):
        mark.getparent().remove(mark)
    for reference in list(tree.iter(_w("commentReference"))):
        run = reference.getparent()
        if run.tag == _w("r") and run.getparent() is not None:
            run.getparent().remove(run)
