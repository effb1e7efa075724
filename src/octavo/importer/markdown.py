"""The converter's HTML as Octavo's Markdown, split into sections at each Heading 1.

What is written is the Markdown Octavo reads (markdown.py): CommonMark with
pipe tables and footnotes, and no raw HTML. Every piece of text is escaped
so that it means itself: a `*`, a `<b>`, a `{{disclaimer:x}}` or a leading
`1.` typed in Word stays text, never markup.

Each block is checked as it is written: Octavo's own parser reads the
Markdown back and its words must be the Word document's words, character
for character (spaces aside). Where bold or italic cannot be expressed (a
`**` CommonMark would not read as bold, next to punctuation), the block is
written again without them and the author is told; if the words still
differ, the import stops, naming the block, rather than change the text.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import etree, html as lxml_html

from ..errors import OctavoError
from ..trees import drop_keeping_tail
from ..markdown import _parser, refused_url  # the parser every edition renders with: one grammar

_NOTE_ID_RE = re.compile(r"^(footnote|endnote)-(-?\d+)$")
_ROLES = (("summary", ("summary", "executive summary", "abstract", "key findings", "key points", "in brief")),
          ("introduction", ("introduction",)),
          ("closing", ("conclusion", "conclusions", "concluding remarks", "closing remarks", "final remarks")))
_APPENDIX_RE = re.compile(r"^(appendix|annex)\b", re.IGNORECASE)
# What a table cell may hold around its paragraphs: each is read item by item (_Writer._cell_parts).
_CELL_CONTAINERS = ("ul", "ol", "table", "thead", "tbody", "tr", "blockquote", "div")
_CELL_TEXT = ("p", "h1", "h2", "h3", "h4", "h5", "h6")


@dataclass
class Section:
    title: str | None  # None: the text before the first heading, which needs a title from the author
    blocks: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # note id in the HTML -> its label here
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, Markdown of the note)

    @property
    def role(self) -> str:
        if self.title is None:
            return "introduction"
        words = " ".join(re.sub(r"[^\w\s]", " ", self.title.lower()).split())
        words = re.sub(r"^(\d+|[ivxlc]+)\s+", "", words)  # "1. Introduction", "IV. Conclusions"
        if _APPENDIX_RE.match(words):
            return "appendix"
        return next((role for role, names in _ROLES if words in names), "chapter")

    def markdown(self) -> str:
        parts = list(self.blocks)
        if self.notes:
            parts.append("\n".join(_note_definition(label, text) for label, text in self.notes))
        return "\n\n".join(parts) + "\n"


@dataclass
class Paper:
    title: str | None
    subtitle: str | None
    sections: list[Section]
    notes: list[str]  # what the author should know: what was changed or left out, and why
    title_from_text: bool = False  # the title is a paragraph of the document (Title, or the first Heading 1)


class ImportFailed(OctavoError):
    """The Markdown would not say what the Word document says: a bug in the import, never papered over."""


def html_to_paper(html: str, title: str | None = None, fallback_title: str | None = None) -> Paper:
    """The paper's parts: its title (`title`, else a Title paragraph, else `fallback_title`, else the
    first Heading 1, whose text then opens the paper), its subtitle, its sections and their notes."""
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    notes = _take_notes(root)
    writer = _Writer(notes)
    has_title_paragraph = any(e.tag == "p" and e.get("class") == "octavo-title" for e in root)
    h1_is_title = not (title or has_title_paragraph or fallback_title)
    doc_title, subtitle, headed = None, None, []
    current = Section(None)
    headed.append(current)
    for element in root:
        cls = element.get("class", "")
        if element.tag == "p" and cls == "octavo-title" and doc_title is None:
            doc_title = writer.plain_heading(element, "the title")
        elif element.tag == "p" and cls == "octavo-subtitle" and subtitle is None:
            subtitle = writer.plain_heading(element, "the subtitle")
        elif element.tag == "p" and cls == "octavo-toc":
            writer.note_once("toc", "the table of contents was left out: every edition makes its own")
        elif element.tag == "h1" and h1_is_title and doc_title is None:
            doc_title = writer.plain_heading(element, "the title")  # its text opens the paper
        elif element.tag == "h1":
            if current.title is not None or current.blocks:  # not into an opening section that is empty
                writer.flush(current)  # (the title's note waits for the first section's first paragraph)
            current = Section(writer.plain_heading(element, "a heading") or "TODO: a heading without words")
            headed.append(current)
        else:
            writer.block(element, current)
    writer.flush(current)
    opening, sections = headed[0], headed[1:]
    from_text = not title and doc_title is not None
    title = title or doc_title or fallback_title
    if opening.blocks:
        sections.insert(0, opening)
    for section in sections:
        writer.finish(section)
    return Paper(title, subtitle, sections, writer.notes, from_text)


def _take_notes(root) -> dict[str, etree._Element]:
    """Mammoth lists footnotes and endnotes at the end, as <li id="footnote-N">: take them out."""
    found = {}
    for item in root.iter("li"):
        if _NOTE_ID_RE.match(item.get("id", "")):
            found[item.get("id")] = item
    for item in found.values():
        for backlink in list(item.iter("a")):
            if (backlink.get("href") or "").startswith(("#footnote-ref-", "#endnote-ref-")):
                drop_keeping_tail(backlink)
        parent = item.getparent()
        if parent is not None:
            parent.remove(item)
            if len(parent) == 0 and parent.getparent() is not None:
                parent.getparent().remove(parent)
    return found


def _note_call(element) -> str | None:
    """The note an element calls: <sup><a href="#footnote-2">[1]</a></sup>, or None."""
    links = [element] if element.tag == "a" else list(element.iter("a")) if element.tag == "sup" else []
    for link in links:
        match = _NOTE_ID_RE.match((link.get("href") or "").removeprefix("#"))
        if match:
            return match.group(0)
    return None


def _note_definition(label: str, text: str) -> str:
    lines = text.split("\n")
    return "\n".join([f"[^{label}]: {lines[0]}"] + [f"    {line}" if line else "" for line in lines[1:]])


# ------------------------------------------------------------------ escaping

# Characters that would make Markdown of Word's text: emphasis, links, HTML, entities, table cells,
# strike-through, and `@`, which opens a citation ("[@key]") or a cross-reference ("@fig:map").
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~@])")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")


# A bare address, which Octavo's parser makes a link (markdown._bare_urls): escaping a `_` or
# an `&` inside it would cut the link short, and the link itself keeps them from being markup.
_BARE_ADDRESS_RE = re.compile(r"(?:https?://|mailto:)[^\s<>\[\]`|\\]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS_SPECIAL = re.compile(r"([\\`\[\]<>|])")


def escape(text: str) -> str:
    """Text that Markdown reads as itself: no emphasis, link, HTML, entity, table cell or placeholder."""
    text = text.replace("\t", " ")
    out, last = [], 0
    for match in _BARE_ADDRESS_RE.finditer(text):
        out.append(_INLINE_SPECIAL.sub(r"\\\1", text[last:match.start()]))
        out.append(_ADDRESS_SPECIAL.sub(r"\\\1", match.group()))
        last = match.end()
    out.append(_INLINE_SPECIAL.sub(r"\\\1", text[last:]))
    return re.sub(r"\{(?=\{)", r"\\{", "".join(out))  # "{{" would open a disclaimer placeholder


def line_start(line: str) -> str:
    """A line that starts no block of its own: no heading, list, quote, rule or code block."""
    line = line.lstrip(" ")
    if line[:1] in ("#", "-", "+", "="):
        return "\\" + line
    return _ORDERED_START.sub(r"\1\\\2", line)


# ------------------------------------------------------------------ the writer

class _Writer:
    def __init__(self, notes: dict):
        self.html_notes = notes
        self.notes: list[str] = []
        self._said: set[str] = set()
        self._section: Section | None = None
        # Notes called from a heading that becomes a title, which carries no note: each is called
        # at the end of the next paragraph instead (flush: on a paragraph of its own).
        self.pending: list[str] = []

    def note_once(self, key: str, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self.notes.append(text)

    # -- headings that become YAML fields (the title, a section's title): words only
    def plain_heading(self, element, what: str) -> str:
        for note_id in dict.fromkeys(_note_call(e) for e in element.iter() if _note_call(e)):
            if note_id not in self.pending:
                self.pending.append(note_id)
                self.notes.append(f"the note on {what} '{_text(element, calls=False)}' is called at the end of the "
                                  "paragraph after it: a title carries no note")
        return _text(element, calls=False) or None

    def flush(self, section: Section) -> None:
        """Notes from a heading that no paragraph has called yet: called on a paragraph of their own."""
        if self.pending:
            self._section = section
            section.blocks.append("".join(self.call(note_id) for note_id in self.pending))
            self.pending.clear()

    # -- blocks
    def block(self, element, section: Section) -> None:
        self._section = section
        tag = element.tag
        if tag == "p" and element.get("class") == "octavo-caption" and self._caption_taken(element):
            return
        if tag == "p":
            figure = self._figure_caption(element)
            self._emit(section, element, lambda plain: self._paragraph(element, plain, caption=figure))
        elif tag in ("h2", "h3", "h4", "h5", "h6"):
            self._emit(section, element, lambda plain: "#" * int(tag[1]) + " " +
                       self.inline(element, plain, heading=True).replace("\\\n", " ").strip())
        elif tag in ("ul", "ol"):
            self._emit(section, element, lambda plain: self._list(element, section, plain))
        elif tag == "table":
            self._emit(section, element, lambda plain: self._table(element, section, plain))
        elif tag == "blockquote":
            inner = Section(section.title, labels=section.labels, notes=section.notes)
            for child in element:
                self.block(child, inner)
            self._section = section
            if inner.blocks:
                section.blocks.append(_prefix("\n\n".join(inner.blocks), "> ", ">"))
        elif tag in ("div", "section"):
            for child in element:
                self.block(child, section)
        elif tag == "h1":  # inside a quote or a table: a heading Octavo cannot split at
            self._emit(section, element, lambda plain: "## " + self.inline(element, plain, heading=True))
        else:
            self._emit(section, element, lambda plain: self._paragraph(element, plain))

    def _emit(self, section: Section, element, render) -> None:
        """Write one block, checked against its Word text; without emphasis if it must be."""
        expected = _text(element, calls=False)
        if not expected and not list(element.iter("img")):
            # A paragraph that holds nothing but a note's call (Word lets the call stand alone):
            # the call is kept, in a paragraph of its own, so the note is kept too.
            calls = list(dict.fromkeys(_note_call(e) for e in element.iter() if _note_call(e)))
            if calls:
                section.blocks.append("".join(self.call(note_id) for note_id in calls))
            return
        written = render(False)
        # A table's cells part their paragraphs and items with "; " (_cell_parts): not Word's characters.
        ignored = ";" if element.tag == "table" else ""
        if not _same_words(written, expected, ignored):
            written = render(True)
            self.notes.append(f"bold or italic could not be kept in '{_excerpt(expected)}' "
                              "(Markdown would not read it as such next to that punctuation): check it")
            if not _same_words(written, expected, ignored):
                raise ImportFailed(f"the import could not write '{_excerpt(expected)}' in Markdown without "
                                   f"changing its words (it wrote {written[:120]!r}); nothing was written. "
                                   "This is a bug in Octavo's import: please report it with the document")
        if self.pending and element.tag == "p" and written.strip() and not written.lstrip().startswith("!["):
            written += "".join(self.call(note_id) for note_id in self.pending)
            self.pending.clear()
        section.blocks.append(written)

    def _paragraph(self, element, plain: bool, caption: str | None = None) -> str:
        text = _trim_breaks(self.inline(element, plain, caption=caption))
        return "\n".join(line_start(line) for line in text.split("\n"))

    def _figure_caption(self, element) -> str | None:
        """A picture alone in its paragraph, followed by a Caption paragraph: that is its caption."""
        following = element.getnext()
        alone = len(element) == 1 and element[0].tag == "img" and not (element.text or "").strip() \
            and not (element[0].tail or "").strip()
        if alone and following is not None and following.tag == "p" and following.get("class") == "octavo-caption":
            return _text(following, calls=False)
        return None

    def _caption_taken(self, element) -> bool:
        previous = element.getprevious()
        return previous is not None and previous.tag == "p" and self._figure_caption(previous) is not None

    def _list(self, element, section: Section, plain: bool) -> str:
        lines = []
        for number, item in enumerate(element.iterchildren("li"), 1):
            marker = f"{number}. " if element.tag == "ol" else "- "
            blocks = []
            text = _Inline(self, plain)
            text.add_text(item.text)
            for child in item:
                if child.tag in ("ul", "ol"):
                    blocks.append(self._list(child, section, plain))
                elif child.tag in ("p", "blockquote", "table", "div"):
                    inner = Section(section.title, labels=section.labels, notes=section.notes)
                    self.block(child, inner)
                    self._section = section
                    blocks.extend(inner.blocks)
                else:
                    text.add(child)
                text.add_text(child.tail)
            first = "\n".join(line_start(line) for line in _trim_breaks(text.result()).split("\n"))
            body = "\n".join([first] + blocks) if first else "\n".join(blocks)
            lines.append(marker + _indent(body, len(marker)))
        return "\n".join(lines)

    def _table(self, element, section: Section, plain: bool) -> str:
        rows, header_given, spans = [], False, {}
        # Its own rows: a table nested in a cell is that cell's text (_cell_parts), not rows of this one.
        for row in (r for r in element.iter("tr") if next(r.iterancestors("table"), None) is element):
            header_given = header_given or (row.getparent().tag == "thead" and not rows)
            cells, column = [], 0
            for cell in row.iterchildren("td", "th"):
                while (len(rows), column) in spans:
                    cells.append(spans.pop((len(rows), column)))
                    column += 1
                text = self._cell(cell, plain)
                colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
                if colspan > 1 or rowspan > 1:
                    self.note_once("spans", "merged table cells were split: a Markdown table has one cell per "
                                            "column and row (the merged cell's text is in its first cell)")
                for extra in range(1, rowspan):
                    for col in range(colspan):
                        spans[(len(rows) + extra, column + col)] = ""
                cells.extend([text] + [""] * (colspan - 1))
                column += colspan
            while (len(rows), column) in spans:
                cells.append(spans.pop((len(rows), column)))
                column += 1
            rows.append(cells)
        width = max((len(r) for r in rows), default=1)
        rows = [r + [""] * (width - len(r)) for r in rows] or [[""]]
        if not header_given:
            self.note_once("header", "a table without a header row in Word: its first row is the header")
        out = [_row(rows[0]), "|" + "---|" * width]
        out += [_row(r) for r in rows[1:]]
        return "\n".join(out)

    def _cell(self, cell, plain: bool) -> str:
        blocks = [c for c in cell if c.tag in ("p", "ul", "ol", "blockquote", "table", "h1", "h2", "h3", "h4", "h5", "h6")]
        if len(blocks) > 1 or any(b.tag != "p" for b in blocks):
            self.note_once("cells", "table cells holding several paragraphs or a list were joined into one line "
                                    "(a Markdown table cell is one line): list items and paragraphs are parted by ';'")
        if not blocks:
            return self.inline(cell, plain).replace("\\\n", " ").strip()
        return "; ".join(p for p in self._cell_parts(cell, plain) if p)

    def _cell_parts(self, element, plain: bool, blocks_only: bool = False) -> list[str]:
        """Each paragraph, list item or nested cell of a table cell as one line of inline Markdown:
        a cell is one line, but the words of its paragraphs and items stay apart. `blocks_only`:
        of an item, its nested blocks (its own words are read with it)."""
        parts = []
        for child in element:
            if child.tag in _CELL_CONTAINERS:
                parts.extend(self._cell_parts(child, plain))
            elif child.tag in ("li", "td", "th"):
                own = copy.deepcopy(child)  # the item's own words, without its nested blocks
                for nested in [c for c in own if c.tag in _CELL_CONTAINERS or c.tag in _CELL_TEXT]:
                    drop_keeping_tail(nested)
                parts.append(self.inline(own, plain).replace("\\\n", " ").strip())
                parts.extend(self._cell_parts(child, plain, blocks_only=True))
            elif not blocks_only or child.tag in _CELL_TEXT:
                parts.append(self.inline(child, plain).replace("\\\n", " ").strip())
        return parts

    def inline(self, element, plain: bool, heading: bool = False, caption: str | None = None) -> str:
        builder = _Inline(self, plain, heading, caption)
        builder.add_text(element.text)
        for child in element:
            builder.add(child)
            builder.add_text(child.tail)
        return builder.result()

    # -- notes
    def call(self, note_id: str) -> str:
        section = self._section
        if note_id not in section.labels:
            label = str(len(section.labels) + 1)
            section.labels[note_id] = label
            section.notes.append((label, None))  # written when the section is finished
        return f"[^{section.labels[note_id]}]"

    def finish(self, section: Section) -> None:
        """Write the notes the section calls, each in full, in the order of their calls."""
        by_label = {label: note_id for note_id, label in section.labels.items()}
        written = []
        for label, text in section.notes:
            if text is None:
                note = self.html_notes.get(by_label[label])
                inner = Section(section.title, labels=section.labels, notes=[])
                for child in note if note is not None else []:
                    self.block(child, inner)
                if note is not None and (note.text or "").strip():
                    inner.blocks.insert(0, escape(note.text.strip()))
                text = "\n\n".join(inner.blocks) or "(the note is empty in the Word document)"
                if inner.notes:
                    self.notes.append("a note inside a note was left as its number: Markdown has no notes in notes")
            written.append((label, text))
        section.notes[:] = written


class _Inline:
    """The inline Markdown of one block, built left to right."""

    def __init__(self, writer: _Writer, plain: bool, heading: bool = False, caption: str | None = None):
        self.writer, self.plain, self.heading, self.caption = writer, plain, heading, caption
        self.parts: list[str] = []

    def add_text(self, text: str | None) -> None:
        if text:
            text = escape(text.replace("\n", " "))
            self.parts.append(text.replace("#", "\\#") if self.heading else text)

    def add(self, element) -> None:
        tag = element.tag
        note = _note_call(element)
        if note:
            self.parts.append(self.writer.call(note))
        elif tag in ("strong", "b", "em", "i"):
            inner = self._inner(element)
            mark = "" if self.plain else "**" if tag in ("strong", "b") else "*"
            self.parts.append(_emphasis(inner, mark))
        elif tag == "a":
            self.parts.append(self._link(element))
        elif tag == "img":
            self.parts.append(self._image(element))
        elif tag == "br":
            self.parts.append(" " if self.heading else "\\\n")
        else:  # sup, sub, s, u, span: the words, without the look Markdown cannot give them
            if tag in ("sup", "sub", "s", "del"):
                name = {"sup": "superscript", "sub": "subscript"}.get(tag, "struck-through")
                self.writer.note_once(tag, f"{name} text is kept as plain text (e.g. '{_excerpt(_text(element))}'): "
                                           "Octavo's Markdown has no such mark")
            self.parts.append(self._inner(element))

    def _inner(self, element) -> str:
        nested = _Inline(self.writer, self.plain, self.heading)
        nested.add_text(element.text)
        for child in element:
            nested.add(child)
            nested.add_text(child.tail)
        return nested.result()

    def _link(self, element) -> str:
        text = self._inner(element)
        href = (element.get("href") or "").strip()
        if not href or not text.strip():
            return text
        if href.startswith("#"):
            self.writer.note_once("anchor", "links to places inside the Word document (bookmarks, cross-references) "
                                            "are kept as their text: their targets do not exist in Octavo")
            return text
        if refused_url(href) is not None:
            self.writer.notes.append(f"the link to '{href[:80]}' on '{_excerpt(_text(element))}' is kept as its text: "
                                     "Octavo links only to web pages and e-mail addresses")
            return text
        target = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
        return f"[{text}]({target})"

    def _image(self, element) -> str:
        alt = escape(" ".join((element.get("alt") or "").split()))
        title = ""
        if self.caption:  # a link title: only a backslash and the quote need escaping
            title = ' "' + self.caption.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"![{alt}]({element.get('src')}{title})"

    def result(self) -> str:
        return "".join(self.parts)


def _trim_breaks(text: str) -> str:
    """A line break at the start or end of a block is no break (and a trailing backslash would show)."""
    return re.sub(r"(\s*\\\n)+\s*$", "", re.sub(r"^(\s*\\\n)+", "", text)).strip()


def _emphasis(inner: str, mark: str) -> str:
    """Bold or italic around the words, the spaces outside (`** x**` is not bold in CommonMark)."""
    stripped = inner.strip()
    if not mark or not stripped or stripped.endswith("\\\n"):
        return inner
    lead = inner[:len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{mark}{stripped}{mark}{trail}"


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name, "1")), 100))
    except ValueError:
        return 1


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("\n", " ") for c in cells) + " |"


def _prefix(text: str, prefix: str, empty: str) -> str:
    return "\n".join(prefix + line if line else empty for line in text.split("\n"))


def _indent(text: str, width: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * width + line if line else "" for line in lines[1:]])


def _text(element, calls: bool = True) -> str:
    """An element's words as a reader sees them; without the note calls' numbers when `calls` is False."""
    if calls:
        return " ".join(element.text_content().split())
    words = []

    def walk(node):
        if _note_call(node):
            words.append(node.tail or "")
            return
        words.append(node.text or "")
        for child in node:
            walk(child)
        if node is not element:
            words.append(node.tail or "")

    walk(element)
    return " ".join("".join(words).split())


def _excerpt(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "…"


# ------------------------------------------------------------------ the check

def _same_words(markdown: str, expected: str, ignored: str = "") -> bool:
    """The characters of the words the Markdown says, spaces (and `ignored`) aside, are the expected ones.
    (Word boundaries are the proof's: proof.py compares the whole document word by word.)"""
    written, wanted = _squeeze(words_of(markdown)), _squeeze(expected)
    for char in ignored:
        written, wanted = written.replace(char, ""), wanted.replace(char, "")
    return written == wanted


def _squeeze(text: str) -> str:
    return "".join(text.split())


def words_of(markdown: str) -> str:
    """The words Octavo's parser reads in some Markdown (note calls and image alt text left out)."""
    labels = set(re.findall(r"\[\^([^\]\s]+)\]", markdown))
    # the calls' notes, so that each call parses as a call (their text is not counted)
    source = markdown + "\n\n" + "\n".join(f"[^{label}]: note" for label in sorted(labels))
    words, in_notes = [], False
    for token in _parser().parse(source, {}):
        if token.type == "footnote_block_open":
            in_notes = True
        if in_notes or token.type != "inline":
            continue
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif child.type == "octavo_disclaimer":
                words.append("\0")  # a placeholder is never Word's text
    return "".join(words)
