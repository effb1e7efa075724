"""Cross-references: labels on figures, tables and sections, and references to them.

The grammar is pandoc-crossref's, which authors know:
- a figure: `![alt](images/map.png "Caption"){#fig:map}`, an image alone in its paragraph;
- a table: a paragraph `Table: Caption {#tbl:catch}` right before the pipe table, or after
  it, past a blank line (without one, Markdown reads the line as a row of the table);
- a section: `label: sec:stocks` in its front matter, or `{#sec:stocks}` at the end of a
  heading inside it;
- a reference: `@fig:map` or `[@fig:map]` in the text; `@Fig:map` begins a sentence.

Labelled figures and tables are numbered through the publication, in reading order, and
their captions print the number ("Figure 1. Caption"); a figure or table without a label
keeps its caption as written, unnumbered (so a caption an author numbered by hand is not
numbered twice). Sections are numbered by their order in publication.yaml, a labelled
heading inside one by its place under it ("3.2": the second heading of section 3).

A reference reads "Figure 1", "Table 2", "section 3" (the words of the labels file) and is
a link to the element with the label's id (`fig:map` -> `#fig-map`; a section's own id
for a section) in every edition; the paged editions add the page ("Figure 1 (p. 12)",
print.css), which each block carries as its printed form for the proof (Block.printed).

This module holds the markdown-it rules (markdown.py installs them), the survey of a whole
publication (every label, numbered, and every reference, with its file and line: the model
reports unknown and duplicate labels from it) and the rules that print numbers and ids.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .errors import Location, Problem, RenderError

# What each prefix labels, and the word the labels file uses for it.
KINDS = {"fig": "figure", "tbl": "table", "sec": "section"}
NAME = r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*"  # hyphens inside only: "@fig:map-1." ends before the full stop
LABEL_RE = re.compile(rf"(fig|tbl|sec):({NAME})")
PREFIX = r"(fig|Fig|tbl|Tbl|sec|Sec)"
REFERENCE_RE = re.compile(rf"@{PREFIX}:({NAME})")
BRACKETED_RE = re.compile(rf"\[@{PREFIX}:({NAME})\]")
# A label attribute at the end of a figure's paragraph, a heading or a table caption.
ATTRIBUTE_RE = re.compile(rf"\s*\{{\s*#(fig|tbl|sec):({NAME})\s*\}}\s*$")
# Any label attribute left in the text once the rules have taken theirs: it labels nothing.
STRAY_RE = re.compile(r"\{\s*#\s*(?:fig|tbl|sec):[^}]*\}")
TABLE_CAPTION_RE = re.compile(r"^\s*Table:\s*")
# A caption that numbers itself ("Figure 1.", "Fig. 2:", "Table 3 -"): a labelled one would read twice.
NUMBERED_CAPTION_RE = re.compile(r"^\s*(?:figure|fig|table|tab|chart|graph|exhibit|map|box)\.?\s*\d+(?:\.\d+)*\b",
                                 re.IGNORECASE)
# Where Block.printed holds a page number (a paged edition's "(p. 12)"): no Markdown text
# holds U+0000 (CommonMark replaces it), so it cannot be mistaken for the author's.
PAGE = "\x00"
LABEL_HINT = ("label a figure as ![alt](file.png \"Caption\"){#fig:name} (the image alone in its paragraph), "
              "a table with a paragraph 'Table: Caption {#tbl:name}' just before it (or after it, past a blank "
              "line), a heading as '## Heading {#sec:name}', a section with 'label: sec:name' in its front matter")


def element_id(label: str) -> str:
    """The id an element with this label has in every edition: `fig:map` -> `fig-map`."""
    return label.replace(":", "-", 1)


# ------------------------------------------------------------ the grammar

def use(md: MarkdownIt) -> None:
    """Install the grammar: references as `octavo_xref` tokens, labels taken off the text
    onto the token they label (meta["xref"]), table captions moved into their table."""
    md.inline.ruler.before("link", "octavo_xref", _reference_rule)
    md.core.ruler.push("octavo_labels", _attach_labels)


def _reference_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] == "[":
        match = BRACKETED_RE.match(src, pos)
    elif src[pos] == "@" and not (pos and (src[pos - 1].isalnum() or src[pos - 1] in "_.+-")):  # not an e-mail
        match = REFERENCE_RE.match(src, pos)
    else:
        return False
    if not match:
        return False
    if not silent:
        token = state.push("octavo_xref", "", 0)
        token.content = match.group(0)
        token.meta = {"label": f"{match.group(1).lower()}:{match.group(2)}", "capital": match.group(1)[0].isupper(),
                      "in_link": state.linkLevel > 0}  # the words only: a link may not hold a link
    state.pos = match.end()
    return True


def _attach_labels(state) -> None:
    tokens = state.tokens
    captions = []  # (caption paragraph's index, its table_open's index)
    for index, token in enumerate(tokens):
        if token.type != "inline" or not index:
            continue
        opening = tokens[index - 1]
        if opening.type == "heading_open":
            _take_label(token, opening, "sec")
        elif opening.type == "paragraph_open":
            if _image_alone(token):
                _take_label(token, next(c for c in token.children if c.type == "image"), "fig")
            elif _starts_caption(token):
                table = _adjacent_table(tokens, index)
                if table is not None and table not in {t for _, t in captions}:  # one caption a table
                    captions.append((index - 1, table))
    for start, table in reversed(captions):  # from the end: earlier indices stay valid
        _into_table(tokens, start, table)


def _take_label(inline, target, kind: str) -> None:
    """A trailing `{#kind:name}` comes off the inline's last text onto `target`'s meta."""
    texts = [c for c in inline.children or [] if c.type == "text"]
    if not texts or not inline.children or inline.children[-1] is not texts[-1]:
        return
    match = ATTRIBUTE_RE.search(texts[-1].content)
    if not match or match.group(1) != kind:
        return
    texts[-1].content = texts[-1].content[:match.start()]
    if not texts[-1].content:
        inline.children.remove(texts[-1])
    inline.content = ATTRIBUTE_RE.sub("", inline.content)
    target.meta["xref"] = f"{kind}:{match.group(2)}"


def _image_alone(inline) -> bool:
    """An image alone in its paragraph (markdown._figures makes it a figure), a label perhaps after it."""
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    if not children or children[0].type != "image":
        return False
    return len(children) == 1 or (len(children) == 2 and children[1].type == "text"
                                  and ATTRIBUTE_RE.fullmatch(children[1].content) is not None)


def _starts_caption(inline) -> bool:
    children = inline.children or []
    return bool(children) and children[0].type == "text" and TABLE_CAPTION_RE.match(children[0].content) is not None


def _adjacent_table(tokens, index: int) -> int | None:
    """The index of the table_open the caption paragraph (its inline at `index`) stands
    right before (preferred, as pandoc reads it) or right after, at the same level."""
    level = tokens[index - 1].level
    if index + 2 < len(tokens) and tokens[index + 2].type == "table_open" and tokens[index + 2].level == level:
        return index + 2
    if index >= 2 and tokens[index - 2].type == "table_close" and tokens[index - 2].level == level:
        depth = 0
        for back in range(index - 2, -1, -1):
            depth += {"table_close": 1, "table_open": -1}.get(tokens[back].type, 0)
            if depth == 0:
                return back
    return None


def _into_table(tokens, start: int, table: int) -> None:
    """The caption paragraph becomes the table's <caption>, its first child (HTML's place for it)."""
    opening, inline, closing = tokens[start:start + 3]
    first = inline.children[0]
    first.content = TABLE_CAPTION_RE.sub("", first.content, count=1)
    inline.content = TABLE_CAPTION_RE.sub("", inline.content, count=1)
    _take_label(inline, opening, "tbl")
    opening.tag = closing.tag = "caption"
    opening.hidden = closing.hidden = False  # in a tight list a paragraph's tags are hidden; a caption's may not be
    opening.meta["caption"] = True
    level = tokens[table].level + 1
    for token in (opening, inline, closing):
        token.level = level + (token is inline)
    del tokens[start:start + 3]
    table -= 3 if table > start else 0
    tokens[table + 1:table + 1] = [opening, inline, closing]


# ------------------------------------------------------------- the survey

@dataclass(frozen=True)
class Target:
    """What a label names: its kind ("fig"), its number as printed ("1", "3.2") and the id
    of its element in every edition."""

    label: str
    number: str
    id: str
    location: Location = field(compare=False)

    @property
    def kind(self) -> str:
        return self.label.split(":", 1)[0]


@dataclass
class Survey:
    """Every label of a publication, numbered, and every reference; what is wrong with them."""

    targets: dict[str, Target] = field(default_factory=dict)
    references: list[tuple[str, Location]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def survey(sections) -> Survey:
    """Read every section (model.Section, in publication order) for labels and references."""
    from .markdown import parse  # markdown.py installs this module's grammar

    result = Survey()
    counts = {"fig": 0, "tbl": 0}
    taken = {s.id for s in sections}  # a label's id may not be a section's own
    for number, section in enumerate(sections, start=1):
        if section.label:
            _section_label(result, section, number)
        tokens = parse(section.body)
        top = min((int(t.tag[1]) for t in tokens if t.type == "heading_open"), default=1)
        headings: list[int] = []  # the numbers of the headings above the current one, level by level
        for index, token in enumerate(tokens):
            line = section.body_line + (token.map[0] if token.map else 0)
            where = Location(section.path, line)
            if token.type == "heading_open":
                depth = int(token.tag[1]) - top
                headings = (headings + [0] * (depth + 1))[:depth + 1]
                headings[depth] += 1
                if token.meta.get("xref"):
                    _define(result, token.meta["xref"], ".".join(map(str, [number, *headings])), where, taken)
            elif token.type == "paragraph_open" and token.meta.get("caption") and token.meta.get("xref"):
                counts["tbl"] += 1
                _define(result, token.meta["xref"], str(counts["tbl"]), where, taken)
                _numbered_twice(result, token.meta["xref"], tokens[index + 1].content, where)
            elif token.type == "inline":
                _inline(result, token, where, counts, taken)
    for label, where in result.references:
        if label not in result.targets:
            result.problems.append(_unknown(label, where, result.targets))
    return result


def _section_label(result: Survey, section, number: int) -> None:
    where = section.label_at or Location(section.path, 2)
    match = LABEL_RE.fullmatch(section.label)
    if not match or match.group(1) != "sec":
        result.problems.append(Problem(where, f"the section's label '{section.label}' is not a section label",
                                       "write 'label: sec:name', the name in letters, digits, '-' and '_'"))
        return
    _define(result, section.label, str(number), where, set(), element=section.id)


def _inline(result: Survey, inline, where: Location, counts: dict, taken: set) -> None:
    line = where.line
    for child in inline.children or []:
        here = Location(where.path, line)
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "octavo_xref":
            result.references.append((child.meta["label"], here))
        elif child.type == "image" and child.meta.get("xref"):
            counts["fig"] += 1
            caption = child.attrGet("title") or ""
            _define(result, child.meta["xref"], str(counts["fig"]), here, taken)
            _numbered_twice(result, child.meta["xref"], caption, here)
        if child.type == "image" and any(c.type == "octavo_xref" for c in child.children or []):
            # An image's description is plain text (alt): a reference there could be no link.
            result.problems.append(Problem(here, "an image's description (its alt text) holds a reference",
                                           "describe the image in words; reference figures in the text around it"))
        elif child.type == "text":
            for match in STRAY_RE.finditer(child.content):
                result.problems.append(Problem(here, f"'{match.group(0)}' labels nothing here", LABEL_HINT))


def _numbered_twice(result: Survey, label: str, caption: str, where: Location) -> None:
    if NUMBERED_CAPTION_RE.match(caption):
        result.warnings.append(Problem(
            where, f"the caption of {label} begins with a number of its own ('{caption.strip()[:30]}'), and Octavo "
            f"prints the {KINDS[label.split(':')[0]]}'s number before a labelled caption: it would read twice",
            "take the number out of the caption: Octavo numbers labelled figures and tables itself"))


def _define(result: Survey, label: str, number: str, where: Location, taken: set,
            element: str | None = None) -> None:
    ident = element or element_id(label)
    first = result.targets.get(label)
    if first is not None:
        result.problems.append(Problem(where, f"the label '{label}' is used twice (first at {first.location})",
                                       "give each figure, table and section its own label"))
        return
    # The ids the editions give a section, its title and its blocks (markdown._block_ids).
    if element is None and any(re.fullmatch(rf"{re.escape(section)}(?:-title|-b\d+)?", ident) for section in taken):
        result.problems.append(Problem(where, f"the label '{label}' would give its element the id '{ident}', "
                                       "which a section or a block of text already has",
                                       "choose another name for the label"))
        return
    result.targets[label] = Target(label, number, ident, where)


def _unknown(label: str, where: Location, targets: dict[str, Target]) -> Problem:
    same_kind = [t for t in targets if t.split(":")[0] == label.split(":")[0]]
    close = difflib.get_close_matches(label, same_kind, n=1) or difflib.get_close_matches(label, targets, n=1)
    if close:
        hint = f"did you mean '@{close[0]}'?"
    elif same_kind:
        hint = f"the {KINDS[label.split(':')[0]]} labels of this publication: {', '.join(same_kind)}"
    else:
        hint = f"no {KINDS[label.split(':')[0]]} has a label yet: {LABEL_HINT}"
    return Problem(where, f"the reference '@{label}' names no label of this publication", hint)


# ------------------------------------------------------------- rendering

@dataclass(frozen=True)
class CrossReferences:
    """The publication's labels and the words that name them (the labels file):
    what render_body prints a reference and a caption with."""

    targets: dict[str, Target]
    words: dict[str, str]

    @classmethod
    def of(cls, sections, labels: dict[str, str]) -> CrossReferences:
        for key in ("figure_reference", "table_reference", "section_reference", "figure_caption", "table_caption"):
            if "{number}" not in labels.get(key, ""):
                raise RenderError(f"the label '{key}' must hold '{{number}}', where the number goes "
                                  f"(e.g. 'Figure {{number}}'); it is {labels.get(key)!r}")
        return cls(survey(sections).targets, labels)

    def target(self, label: str) -> Target:
        try:
            return self.targets[label]
        except KeyError:  # the model refuses an unknown label: only a body rendered on its own gets here
            raise RenderError(f"the reference '@{label}' names no label of this publication") from None

    def reference(self, label: str, capital: bool = False) -> str:
        target = self.target(label)
        text = self.words[f"{KINDS[target.kind]}_reference"].replace("{number}", target.number)
        return text[:1].upper() + text[1:] if capital else text

    def caption(self, label: str) -> str:
        target = self.target(label)
        return self.words[f"{KINDS[target.kind]}_caption"].replace("{number}", target.number)

    @property
    def page(self) -> str:
        return self.words["page_reference"]


NO_REFERENCES = CrossReferences({}, {})


def resolve(state) -> None:
    """A core rule for render_body, after the block ids: each labelled element gets its
    label's id, each labelled caption its number, each reference its words and target."""
    xrefs: CrossReferences = state.env.get("xrefs") or NO_REFERENCES
    tokens = state.tokens
    for index, token in enumerate(tokens):
        label = token.meta.get("xref") if token.meta else None
        if token.type == "heading_open" and label:
            token.attrSet("id", xrefs.target(label).id)
        elif token.type == "paragraph_open" and token.meta.get("caption"):
            if label:
                tokens[index - 1].attrSet("id", xrefs.target(label).id)  # the table
                tokens[index + 1].children.insert(0, Token("text", "", 0, content=xrefs.caption(label) + " "))
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "image" and child.meta.get("xref"):
                    tokens[index - 1].attrSet("id", xrefs.target(child.meta["xref"]).id)  # the figure
                    caption = xrefs.caption(child.meta["xref"])
                    title = child.attrGet("title")
                    child.attrSet("title", f"{caption} {title}" if title else caption)
                elif child.type == "octavo_xref":
                    target = xrefs.target(child.meta["label"])
                    child.meta.update(text=xrefs.reference(target.label, child.meta["capital"]),
                                      href=f"#{target.id}", page=xrefs.page)


def printed(meta: dict) -> str:
    """A reference as the paged editions print it: its words and, unless it sits inside
    another link, the page where its target is (print.css: "Figure 1 (p. 12)"),
    PAGE standing for the number."""
    return meta["text"] if meta["in_link"] else f"{meta['text']} ({meta['page']} {PAGE})"


def render_reference(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    words = escapeHtml(meta["text"])
    if meta["in_link"]:
        return words
    return (f'<a href="{escapeHtml(meta["href"])}" class="xref" '
            f'data-page-label="{escapeHtml(meta["page"])}">{words}</a>')
