"""The import proven: the Word document's words against the words of what the import writes.

The converter is not trusted to say what the document holds. The Word side is read here from
the WordprocessingML itself (ECMA-376 Part 1, §17): every run's text in the main part, in
document order, through tables, content controls, fields' results, hyperlinks and text boxes
(`w:txbxContent`), and the footnotes and endnotes in the order the text calls them; a drop cap
(`w:framePr w:dropCap`) is the first letter of the paragraph after it, as a reader reads it.
What no edition prints is left out on both sides: the table of contents (every edition makes
its own), field instructions, deleted text, comments.

The imported side is read with Octavo's own Markdown parser, the one every edition renders with:
each block's words, each table cell's, each note's. The two word sequences are compared with
word boundaries significant: a word lost, joined to the next, split in two, changed or added is
a Loss, named by the Word paragraph it stands in (its number and first words) and what became
of it. The import writes nothing while a loss remains that the author has not accepted by name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .package import W, Docx

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Paragraph styles whose text no edition prints: the table of contents (Word's, LibreOffice's).
_TOC_STYLE_RE = re.compile(r"^(toc \d|toc heading|contents \d|contents heading)$", re.IGNORECASE)
_SKIPPED = {"pPr", "rPr", "delText", "instrText", "del", "moveFrom", "commentReference", "annotationRef",
            "footnoteRef", "endnoteRef", "separator", "continuationSeparator", "sectPr", "tblPr", "tblGrid",
            "trPr", "tcPr", "sdtPr", "sdtEndPr", "proofErr", "bookmarkStart", "bookmarkEnd", "lastRenderedPageBreak"}
# The words the import writes of its own, where the document gives none (they are no Word text).
PLACEHOLDERS = ("(the note is empty in the Word document)",)
_WORD_RE = re.compile(r"\w+")
# ISO/IEC 29500 Strict names WordprocessingML's elements in a namespace of its own; Word writes it
# on "Save as Strict Open XML". Its elements and attributes are read by the same local names.
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(element, name: str) -> str | None:
    value = element.get(f"{{{W}}}{name}")
    return value if value is not None else element.get(f"{{{STRICT_W}}}{name}")


def _children(element, name: str):
    return [c for c in element if _local(c.tag) == name]


def _child(element, *path: str):
    """The first element down `path` of local names, or None."""
    for name in path:
        found = _children(element, name) if element is not None else []
        element = found[0] if found else None
    return element


def words(text: str) -> list[str]:
    """The words of a text as a reader reads them: NFKC (ligatures unfolded), invisible format
    characters left out (a soft hyphen, a joiner or a zero-width space is inside a word, not
    between two), then runs of letters and digits."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf")
    return _WORD_RE.findall(text)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the Word document as a reader reads it, and where it stands."""

    number: int  # counted through the part, as revisions.py counts them
    where: str  # "paragraph 7", "footnote 2"
    style: str  # its paragraph style's name ("heading 1", "Title")
    text: str
    notes: tuple[tuple[str, str], ...] = ()  # the notes it calls: ("footnotes" or "endnotes", id)

    @property
    def opening(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:40] + "…"


@dataclass(frozen=True)
class Loss:
    """Words the import changed: lost, joined, split, changed or added."""

    what: str  # "lost", "joined", "split", "changed", "added"
    paragraph: Paragraph | None
    word: str  # the Word document's words ("" for words added)
    written: str  # what the import wrote instead ("" for words lost)

    def __str__(self) -> str:
        where = (f"{self.paragraph.where} (\u201c{self.paragraph.opening}\u201d)" if self.paragraph
                 else "after the last paragraph")
        if self.what == "lost":
            return f"{where}: '{self.word}' was lost"
        if self.what == "added":
            return f"{where}: '{self.written}' was added, which the Word document does not say"
        return f"{where}: '{self.word}' was {self.what}: the import wrote '{self.written}'"


# ------------------------------------------------------------------ the Word side

class WordText:
    """The document's paragraphs (body) and its notes' paragraphs, in the order the body calls them."""

    def __init__(self, docx: Docx):
        self.docx = docx
        self.styles = _style_names(docx.xml(docx.related("styles")))
        self.body: list[Paragraph] = []
        main = docx.xml(docx.main)
        body = _child(main, "body") if main is not None else None
        if body is not None:
            self._blocks(body, "paragraph")
        self._join_drop_caps()
        self.notes: list[Paragraph] = []
        seen = set()
        texts = {kind: self._note_texts(kind) for kind in ("footnotes", "endnotes")}
        for paragraph in self.body:
            for call in paragraph.notes:
                if call not in seen and call[1] in texts[call[0]]:
                    seen.add(call)
                    self.notes.append(texts[call[0]][call[1]])

    def _blocks(self, element, label: str) -> None:
        for child in element:
            local = _local(child.tag)
            if child.tag == f"{{{_MC}}}AlternateContent":
                self._blocks(_alternative(child), label)
            elif local == "p":
                self._paragraph(child, label)
            elif local in ("tbl", "tr", "tc", "sdtContent", "customXml", "sdt"):
                self._blocks(child, label)

    def _paragraph(self, p, label: str) -> None:
        style_id = _child(p, "pPr", "pStyle")
        style = self.styles.get(_attr(style_id, "val") if style_id is not None else "", "")
        pieces, calls, boxes = [], [], []
        _runs(p, pieces, calls, boxes)
        drop = _child(p, "pPr", "framePr")
        if drop is not None and (_attr(drop, "dropCap") or "none") != "none":
            style = "\0drop cap"
        self.body.append(Paragraph(len(self.body) + 1, f"{label} {len(self.body) + 1}", style,
                                   "".join(pieces), tuple(calls)))
        for box in boxes:  # a text box's paragraphs, after the paragraph that anchors it
            self._blocks(box, label)

    def _join_drop_caps(self) -> None:
        joined = []
        for paragraph in self.body:
            if joined and joined[-1].style == "\0drop cap":
                cap = joined.pop()
                paragraph = Paragraph(cap.number, cap.where, paragraph.style, cap.text + paragraph.text,
                                      cap.notes + paragraph.notes)
            joined.append(paragraph)
        self.body = joined

    def _note_texts(self, kind: str) -> dict[str, Paragraph]:
        tree = self.docx.xml(self.docx.related(kind))
        found = {}
        if tree is None:
            return found
        for note in _children(tree, kind[:-1]):
            if _attr(note, "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            pieces = []
            for p in (e for e in note.iter() if _local(e.tag) == "p"):
                parts, calls, boxes = [], [], []
                _runs(p, parts, calls, boxes)
                pieces.append("".join(parts))
            note_id = _attr(note, "id")
            found[note_id] = Paragraph(len(found) + 1, f"{kind[:-1]} {note_id}", "", "\n".join(pieces))
        return found

    def printed(self) -> list[Paragraph]:
        """The body's paragraphs that an edition prints: the table of contents left out."""
        return [p for p in self.body if not _TOC_STYLE_RE.match(p.style)]


def _style_names(styles) -> dict[str, str]:
    if styles is None:
        return {}
    return {_attr(s, "styleId"): (_attr(_child(s, "name"), "val") or "") if _child(s, "name") is not None else ""
            for s in _children(styles, "style")}


def _alternative(element):
    """Of markup-compatibility alternatives, the one a reader without extensions shows (its
    Fallback, as mammoth reads it), else the first Choice: never both, which repeat the text."""
    chosen = element.find(f"{{{_MC}}}Fallback")
    if chosen is None:
        chosen = element.find(f"{{{_MC}}}Choice")
    return chosen if chosen is not None else []


def _runs(element, pieces: list[str], calls: list, boxes: list) -> None:
    """A paragraph's text, run by run, into `pieces`; the notes it calls; its text boxes' contents."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        local = child.tag.rsplit("}", 1)[-1]
        if child.tag == f"{{{_MC}}}AlternateContent":
            _runs(_alternative(child), pieces, calls, boxes)
        elif local in _SKIPPED or local == "p":
            continue
        elif local == "t":
            pieces.append(child.text or "")
        elif local == "r" and hidden_run(child):
            continue  # hidden text (w:vanish): Word neither shows nor prints it, nor does the import
        elif local in ("tab", "br", "cr"):
            pieces.append(" ")
        elif local == "noBreakHyphen":
            pieces.append("-")
        elif local in ("footnoteReference", "endnoteReference"):
            calls.append((local.replace("Reference", "s"), _attr(child, "id")))
        elif local == "txbxContent":
            boxes.append(child)
        else:  # runs, hyperlinks, insertions, fields' results, smart tags, drawings holding text boxes
            _runs(child, pieces, calls, boxes)


def hidden_run(run) -> bool:
    """A run formatted as hidden text (`w:rPr/w:vanish`, ECMA-376 Part 1, 17.3.2.41), which Word
    shows only with its formatting marks and never prints."""
    properties = _child(run, "rPr")
    vanish = _child(properties, "vanish") if properties is not None else None
    return vanish is not None and (_attr(vanish, "val") or "true").lower() not in ("0", "false", "off")


# ------------------------------------------------------------------ the imported side

def markdown_words(markdown: str) -> tuple[list[str], list[list[str]]]:
    """The words Octavo's parser reads in a section's Markdown: those of its body, block by block
    and cell by cell, and those of each note, in the order they are defined."""
    from ..markdown import _parser

    body, notes, in_note = [], [], False
    for token in _parser().parse(markdown, {}):
        if token.type == "footnote_open":
            in_note = True
            notes.append([])
        elif token.type == "footnote_close":
            in_note = False
        elif token.type in ("code_block", "fence"):
            (notes[-1] if in_note else body).extend(words(token.content))
        elif token.type == "inline":
            # The block's text as a reader reads it, its runs joined: bold, a link or a note's call
            # inside a word leaves it one word ("**Hydro**power"). Two blocks or two cells are
            # never one word: each inline token is read alone.
            text = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    text.append(child.content)
                elif child.type == "image" and child.attrGet("title"):
                    text.append(f" {child.attrGet('title')} ")  # a figure's caption
                elif child.type == "octavo_disclaimer":
                    text.append(" \0 ")  # a placeholder is never Word's text
                elif child.type in ("softbreak", "hardbreak"):
                    text.append(" ")
            target = notes[-1] if in_note else body
            for index, part in enumerate("".join(text).split("\0")):
                if index:
                    target.append("\0disclaimer")
                target.extend(words(part))
    return body, notes


# ------------------------------------------------------------------ the comparison

def compare(word: list[tuple[str, Paragraph]], written: list[str]) -> list[Loss]:
    """The losses between the Word document's words (each with its paragraph) and the words written."""
    ours = [w for w, _ in word]
    if ours == written:
        return []
    losses = []
    matcher = difflib.SequenceMatcher(None, ours, written, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paragraph = word[i1][1] if i1 < len(word) else (word[-1][1] if word else None)
        before, after = " ".join(ours[i1:i2]), " ".join(written[j1:j2])
        if op == "delete":
            losses.append(Loss("lost", paragraph, before, ""))
        elif op == "insert":
            losses.append(Loss("added", paragraph, "", after))
        elif "".join(ours[i1:i2]) == "".join(written[j1:j2]):
            losses.append(Loss("joined" if j2 - j1 < i2 - i1 else "split", paragraph, before, after))
        else:
            losses.append(Loss("changed", paragraph, before, after))
    return losses


def prove_import(docx: Docx, paper, title_given: bool) -> list[Loss]:
    """Every word of the Word document in what the import writes, and nothing else: the losses.

    `paper` is what importer.markdown made (its title, subtitle, sections with their Markdown
    and notes); `title_given`: the author named the title (--title), which replaces the
    document's own."""
    text = WordText(docx)
    printed = text.printed()
    # The paragraphs that became the title and subtitle are compared with them, not with the text.
    for value, styles, from_text in ((paper.title, ("title", "heading 1"), paper.title_from_text),
                                     (paper.subtitle, ("subtitle",), True)):
        wanted = words(value or "")
        match = None
        if from_text and wanted:  # the paragraph it was taken from: by its style, else (a style map's) by its words
            match = next((p for p in printed if p.style.lower() in styles and words(p.text) == wanted), None) or \
                next((p for p in printed if words(p.text) == wanted), None)
        if match is None and styles[0] == "title" and title_given:  # --title replaced the document's Title
            match = next((p for p in printed if p.style.lower() == "title"), None)
        if match is not None:
            printed.remove(match)
    body = [(w, p) for p in printed for w in words(p.text)]
    notes = [(w, p) for p in text.notes for w in words(p.text)]
    written_body, written_notes = [], []
    for section in paper.sections:
        if section.title and not section.title.startswith("TODO"):
            written_body.extend(words(section.title))
        section_body, section_notes = markdown_words(section.markdown())
        written_body.extend(section_body)
        for (label, note_text), note_words in zip(section.notes, section_notes):
            if note_text not in PLACEHOLDERS:
                written_notes.extend(note_words)
    return compare(body, written_body) + compare(notes, written_notes)
