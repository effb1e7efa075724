"""Citations: `[@key, p. 12]` in the Markdown, formatted by a CSL processor (pandoc's citeproc)
in the house's citation style, and the bibliography they cite.

The syntax is pandoc's: `[@smith-2016, 315]`, `[see @a, 12; @b, chap. 3]` (several sources in
one citation), `[-@key]` (the author left out, when the sentence names them). A key that begins
`fig:`, `tbl:` or `sec:` is a cross-reference, not a citation: this rule leaves it alone.

A publication is cited in three steps:
1. the model checks every key against the bibliography (check_citations), so an unknown key
   is a content error at its Markdown line, for `octavo validate` and `octavo build` alike;
2. the document collects every citation of every section in the order a reader meets them
   (reading_order) and has pandoc format them all at once (cite): a note style needs the
   whole sequence to know which note is the first, a short one or "Ibid.";
3. the renderer (markdown.render_body) puts each formatted citation in its place: in a note
   style, as a footnote of its own (or, inside an author's note, in that note's text); in an
   author-date style, in the sentence. From there the footnote machinery, the editions and
   the proof treat it like any other note.

Pandoc's citeproc was chosen over citeproc-py by measuring both on the Chicago Manual's own
examples (tools/compare_citeproc.py, the table in docs/dependencies.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .bibliography import KEY_RE, PANDOC_LIMITS, PANDOC_SECONDS, Reference, References
from .errors import Location, Problem, RenderError

# The styles a house may choose (publisher.yaml `citation_style`), and the CSL file of each
# (templates/csl/; a house style may bring its own file of the same name).
CITATION_STYLES = {
    # Chicago 18th edition, notes and bibliography, with "Ibid." for a source cited again at once
    # (CMOS 18, 13.37 allows it; the plain 18th-edition style repeats the short note instead).
    "chicago-notes": "csl/chicago-notes-bibliography-subsequent-ibid.csl",
    "chicago-author-date": "csl/chicago-author-date.csl",
}
DEFAULT_CITATION_STYLE = "chicago-notes"
NOTE_STYLES = ("chicago-notes",)
# Labels (templates/labels/) of the generated section: what each system calls its list.
LIST_LABELS = {"chicago-notes": "bibliography", "chicago-author-date": "references"}
# Prefixes the cross-reference rule owns: `[@fig:map]` is not a citation.
CROSS_REFERENCE_PREFIXES = ("fig:", "tbl:", "sec:")

_KEY = KEY_RE.pattern
# One source in a citation: an optional prefix ending in a space, '-'? '@key', and a suffix
# (the locator, "p. 12", or words) with no '@' of its own.
_ITEM_RE = re.compile(rf"(?:[^@;\[\]]*?\s)?-?@({_KEY})[^@;\[\]]*", re.S)


@dataclass(frozen=True)
class Citation:
    """One `[…]` citation as written: its text and the keys it cites."""

    source: str  # the whole "[...]" as the author wrote it: pandoc reads the locators from it
    keys: tuple[str, ...]


def parse_citation(text: str) -> Citation | None:
    """The citation `text` (a whole "[...]") holds, or None when it is not one."""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    keys = []
    for part in text[1:-1].split(";"):
        match = _ITEM_RE.fullmatch(part.strip())
        if not match:
            return None
        keys.append(match.group(1))
    if not keys or any(key.startswith(CROSS_REFERENCE_PREFIXES) for key in keys):
        return None
    return Citation(text, tuple(keys))


def _closing_bracket(src: str, start: int, end: int) -> int:
    """Where the ']' that closes src[start] ('[') stands, or -1; a citation holds no brackets."""
    for at in range(start + 1, end):
        if src[at] == "[":
            return -1
        if src[at] == "]":
            return at
    return -1


def citation_rule(state: StateInline, silent: bool) -> bool:
    """markdown-it inline rule: `[@key…]`. Collecting (env has no formatted citations yet), it
    marks each citation; rendering, it puts the formatted one in its place."""
    if state.src[state.pos] != "[" or "@" not in state.src[state.pos:state.posMax]:
        return False
    close = _closing_bracket(state.src, state.pos, state.posMax)
    if close < 0 or (close + 1 < state.posMax and state.src[close + 1] in "([:"):
        return False  # a link, a reference link or a link definition, not a citation
    citation = parse_citation(state.src[state.pos:close + 1])
    if citation is None:
        return False
    after = close + 1
    if not silent:
        env = state.env
        index = env.setdefault("octavoCitationCount", 0)
        env["octavoCitationCount"] = index + 1
        formatted = env.get("octavoCitations")
        if formatted is None:
            _mark(state, citation, index)
        else:
            cited = formatted[index]
            if env.get("octavoNoteStyle") and not cited.in_note:
                after = _punctuation_first(state, after)
            _place(state, cited, env.get("octavoNoteStyle", False), state.src[after:after + 1])
    state.pos = after
    return True


def _punctuation_first(state: StateInline, after: int) -> int:
    """A note's number stands after the punctuation (CMOS 18, 13.26): "… again [@k]." prints
    "… again.¹", as pandoc prints it, so that one text serves both styles."""
    if after < state.posMax and state.src[after] in ".,;:!?":
        state.pending = state.pending.rstrip() + state.src[after]
        return after + 1
    if state.pending.endswith((" ", "\t")):
        state.pending = state.pending.rstrip()
    return after


def _mark(state: StateInline, citation: Citation, index: int) -> None:
    """Collecting: a note of its own holding a marker, so that reading_order sees where the
    citation falls among the notes (inside an author's note, it becomes a note in that note)."""
    marker = Token("octavo_citation", "", 0)
    marker.meta = {"citation": citation, "index": index}
    _new_note(state, [marker], citation.source, {"citation": index})


def _place(state: StateInline, cited: "Cited", note_style: bool, following: str) -> None:
    if note_style and not cited.in_note:
        _new_note(state, tokens_for(cited.runs), cited.source, {"citation": cited.index})
        return
    runs = list(cited.runs)
    if following and following in ".,;:!?" and runs and runs[-1][0] == "text" and runs[-1][1].endswith("."):
        # In a sentence (an author's note, author-date), the sentence's own punctuation ends it:
        # "… the same turn [@k, 3]." prints "… Smith, Swing Time, 3.", not "3..".
        runs[-1] = ("text", runs[-1][1][:-1])
    if state.pending:
        state.pushPending()
    state.tokens.extend(tokens_for(runs))


def note_lines(state) -> None:
    """markdown-it core rule (after the footnote plugin's): a citation's note gets the line of
    its call, so that the proof names the Markdown line of a note an edition lacks."""
    lines = {}
    for token in state.tokens:
        if token.type == "inline" and token.map:
            for child in token.children or []:
                if child.type == "footnote_ref" and "citation" in child.meta:
                    lines[child.meta["id"]] = token.map
    note = None
    for token in state.tokens:
        if token.type == "footnote_open":
            note = token.meta["id"] if token.meta["id"] in lines else None
        elif note is not None and token.type in ("paragraph_open", "inline") and token.map is None:
            token.map = lines[note]


def _new_note(state: StateInline, tokens: list[Token], content: str, meta: dict) -> None:
    """A footnote made here, as the footnote plugin makes an inline note (^[…]): numbered with
    the author's own notes, in order of the calls."""
    notes = state.env.setdefault("footnotes", {}).setdefault("list", {})
    note_id = len(notes)
    notes[note_id] = {"content": content, "tokens": tokens}
    token = state.push("footnote_ref", "", 0)
    token.meta = {"id": note_id, **meta}


# ------------------------------------------------------------- checking

def check_citations(sections, references: References | None, problems: list[Problem]) -> list[str]:
    """Every cited key in the bibliography: an unknown key is a problem at its Markdown line,
    with the nearest known key. Returns the keys cited."""
    import difflib

    cited = []
    known = references.ids if references else []
    for section in sections:
        for citation, line in citations_in_section(section):
            for key in citation.keys:
                cited.append(key)
                if references is None:
                    problems.append(Problem(Location(section.path, line), f"the text cites '@{key}', "
                                            "but the publication has no bibliography",
                                            "put the sources in references.json (CSL-JSON) or references.bib "
                                            "(BibTeX) beside publication.yaml"))
                elif key not in known:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                    problems.append(Problem(Location(section.path, line), f"the text cites '@{key}', "
                                            f"which is not in {references.path.name}",
                                            f"did you mean '@{close[0]}'?" if close else
                                            f"add an entry with \"id\": \"{key}\" to {references.path.name}, "
                                            "or correct the key"))
    return cited


def citations_in_section(section) -> list[tuple[Citation, int]]:
    """(citation, line) for each citation of a section, in the order of its source."""
    places = _citation_places(section.body, section.body_line)
    return [(citation, line) for _, _, citation, line, _ in sorted(places, key=lambda p: p[1])]


def _citation_places(body: str, first_line: int, own_notes: bool = False
                     ) -> list[tuple[tuple, int, Citation | None, int, bool]]:
    """Each citation of a body as (reading key, index, citation, line, in_note), collected by
    the parser itself, with each citation made a note (citation_rule's collecting mode). The
    reading key orders them as a reader meets them, the notes numbered as the footnote plugin
    numbers them: a citation in the text by its own note; one inside an author's note by that
    note, then by its place in it. With `own_notes`, each author's note that cites nothing is
    there too, its citation None: a note between two citations of a source is why the second
    is no "Ibid." (CMOS 14.34)."""
    from .markdown import _parser

    env: dict = {}
    tokens = _parser().parse(body, env)
    notes = env.get("footnotes", {}).get("list", {})
    calls = {}  # note id -> (the note it is called from or None for the text, line, order)
    note, order = None, 0
    for token in tokens:
        if token.type == "footnote_open":
            note = token.meta["id"]
        elif token.type == "footnote_close":
            note = None
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "footnote_ref":
                    line = first_line + token.map[0] if token.map else None
                    calls.setdefault(child.meta["id"], (note, line, order))
                    order += 1
    places = []
    for note_id, entry in notes.items():
        marker = next((t for t in entry.get("tokens", []) if t.type == "octavo_citation"), None)
        if marker is None or note_id not in calls:
            continue
        host, line, seen = calls[note_id]
        if line is None and host is not None:  # inside an inline note (^[…]): the line of its call
            line = calls.get(host, (None, None, 0))[1]
        key = (note_id, seen) if host is None else (host, seen)
        places.append((key, marker.meta["index"], marker.meta["citation"], line or first_line, host is not None))
    if own_notes:
        citing = {place[0][0] for place in places}
        for note_id, (host, line, seen) in calls.items():
            if host is None and note_id not in citing:
                places.append(((note_id, seen), -1, None, line or first_line, False))
    return places


# ------------------------------------------------------------- formatting

@dataclass(frozen=True)
class Cited:
    """One citation as the style formats it: runs of text, emphasis and links (see runs_text)."""

    index: int  # its place among its section's citations, in the order of the source
    source: str
    runs: tuple
    in_note: bool = False  # inside an author's note: its words go into that note's text


@dataclass(frozen=True)
class BibliographyEntry:
    reference: Reference
    runs: tuple

    @property
    def text(self) -> str:
        return runs_text(self.runs)

    @property
    def html(self) -> str:
        return runs_html(self.runs)


@dataclass(frozen=True)
class CitedPublication:
    style: str
    note_style: bool
    sections: dict  # section id -> tuple[Cited, ...], in the order of the section's source
    bibliography: tuple[BibliographyEntry, ...]


def cite(sections, references: References, style: str, csl: str, language: str) -> CitedPublication:
    """Every citation of every section (objects with .id and .body), formatted in `style`
    (its CSL file's text `csl`) by pandoc's citeproc, and the bibliography of what is cited."""
    note_style = style in NOTE_STYLES
    ordered = []  # (section id, index, citation, in_note), in reading order; citation None: an author's note
    for section in sections:
        places = sorted(_citation_places(section.body, 1, own_notes=note_style),
                        key=lambda p: p[0] if note_style else p[1])
        ordered.extend((section.id, index, citation, in_note) for _, index, citation, _, in_note in places)
    cites, entries = _run_pandoc(ordered, references, csl, language, note_style)
    by_section: dict[str, list[Cited]] = {section.id: [] for section in sections}
    for (section_id, index, citation, in_note), runs in zip([o for o in ordered if o[2] is not None], cites):
        by_section[section_id].append(Cited(index, citation.source, runs, in_note))
    by_id = {entry.id: entry for entry in references.entries}
    bibliography = tuple(BibliographyEntry(by_id[key], runs) for key, runs in entries if key in by_id)
    return CitedPublication(style, note_style, {k: tuple(sorted(v, key=lambda c: c.index))
                                                for k, v in by_section.items()}, bibliography)


def _run_pandoc(ordered, references: References, csl: str, language: str, note_style: bool):
    """pandoc's citeproc over a document of the citations alone, in reading order: in a note
    style each citation of the text is a paragraph of its own (pandoc makes it a note), and
    those inside one author's note share an inline note, as they share that note."""
    paragraphs, groups, section = [], {}, None
    for section_id, index, citation, in_note in ordered:
        if note_style and section is not None and section_id != section:
            # A new section: no "Ibid." reaches back into the one before (another author's text,
            # which a reader may not have read). A note between them that cites nothing says so.
            _flush(paragraphs, groups)
            paragraphs.append("x^[A section begins.]")
        section = section_id
        if citation is None:  # an author's note that cites nothing: a note of its own, between the others
            _flush(paragraphs, groups)
            paragraphs.append("x^[An author's note.]")
            continue
        source = " ".join(citation.source.split())
        if note_style and in_note:
            groups.setdefault(section_id, []).append(source)
            continue
        _flush(paragraphs, groups)
        paragraphs.append(source)
    _flush(paragraphs, groups)
    with tempfile.TemporaryDirectory(prefix="octavo-cite-") as tmp:
        folder = Path(tmp)
        (folder / "references.json").write_text(json.dumps([e.data for e in references.entries]), encoding="utf-8")
        (folder / "style.csl").write_text(csl, encoding="utf-8")
        command = [pandoc_binary(), *PANDOC_LIMITS, "--sandbox", "-f", "markdown", "-t", "json", "--citeproc",
                   "--csl", str(folder / "style.csl"), "--bibliography", str(folder / "references.json"),
                   "-M", f"lang={language}"]
        try:
            result = subprocess.run(command, input="\n\n".join(paragraphs), capture_output=True, text=True,
                                    timeout=PANDOC_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(f"pandoc could not format the citations: {exc}") from None
    if result.returncode != 0:
        raise RenderError(f"pandoc could not format the citations: {result.stderr.strip()[:400]}")
    tree = json.loads(result.stdout)
    cites, entries = [], []
    _collect(tree["blocks"], cites, entries)
    wanted = sum(1 for entry in ordered if entry[2] is not None)
    if len(cites) != wanted:
        raise RenderError(f"pandoc formatted {len(cites)} citations of {wanted}: "
                          "Octavo's and pandoc's reading of the citation syntax differ")
    return cites, entries


def _flush(paragraphs: list, groups: dict) -> None:
    for sources in groups.values():
        paragraphs.append("x^[" + " ".join(sources) + "]")
    groups.clear()


def _collect(node, cites: list, entries: list) -> None:
    """The formatted citations (pandoc's Cite nodes, in order) and bibliography entries."""
    if isinstance(node, list):
        for child in node:
            _collect(child, cites, entries)
        return
    if not isinstance(node, dict):
        return
    kind, content = node.get("t"), node.get("c")
    if kind == "Cite":
        cites.append(tuple(_tidy(_runs(content[1]))))
        return
    if kind == "Div" and "csl-entry" in content[0][1]:
        key = content[0][0].removeprefix("ref-")
        entries.append((key, tuple(_tidy(_runs(content[1])))))
        return
    _collect(content, cites, entries)


def _runs(node) -> list:
    """Pandoc's inlines (and the blocks of a note) as runs: ("text", words), ("em_open", ""),
    ("link_open", address)… Only text, emphasis and web links reach an edition: raw markup
    and anything else pandoc may carry is reduced to its words."""
    from .markdown import refused_url

    if isinstance(node, list):
        return [run for child in node for run in _runs(child)]
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return [("text", content)]
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return [("text", " ")]
    if kind in ("Emph", "Strong"):
        tag = "em" if kind == "Emph" else "strong"
        return [(f"{tag}_open", ""), *_runs(content), (f"{tag}_close", "")]
    if kind == "Quoted":
        left, right = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
        return [("text", left), *_runs(content[1]), ("text", right)]
    if kind == "Link":
        url = content[2][0]
        inner = _runs(content[1])
        return [("link_open", url), *inner, ("link_close", "")] if refused_url(url, link=False) is None else inner
    if kind in ("Span", "Image"):
        return _runs(content[1])
    if kind in ("Cite",):
        return _runs(content[1])
    if kind in ("Code", "Math"):
        return [("text", content[1])]
    if kind in ("RawInline", "RawBlock"):
        return []
    if kind in ("Note", "Para", "Plain", "Emph", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
        return _runs(content)
    if kind == "Div":
        return _runs(content[1])
    return []


def _tidy(runs: list) -> list:
    """Adjacent text joined, the ends trimmed: the runs a note prints."""
    out = []
    for kind, value in runs:
        if kind == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + value)
        else:
            out.append((kind, value))
    if out and out[0][0] == "text":
        out[0] = ("text", out[0][1].lstrip())
    if out and out[-1][0] == "text":
        out[-1] = ("text", out[-1][1].rstrip())
    return out


def runs_text(runs) -> str:
    """The words of formatted runs, as a reader reads them."""
    return "".join(value for kind, value in runs if kind == "text")


def tokens_for(runs) -> list[Token]:
    """markdown-it tokens for formatted runs: text, <em>, <strong> and links."""
    tokens = []
    for kind, value in runs:
        if kind == "text":
            token = Token("text", "", 0, content=value)
        elif kind.endswith("_open"):
            tag = {"em_open": "em", "strong_open": "strong", "link_open": "a"}[kind]
            token = Token(kind, tag, 1, markup="*" if tag == "em" else "**" if tag == "strong" else "")
            if tag == "a":
                token.attrSet("href", value)
        else:
            tag = {"em_close": "em", "strong_close": "strong", "link_close": "a"}[kind]
            token = Token(kind, tag, -1)
        tokens.append(token)
    return tokens


def runs_html(runs) -> str:
    """Formatted runs as HTML, escaped by markdown-it's renderer like the rest of the text."""
    md = MarkdownIt("commonmark", {"xhtmlOut": True})
    return md.renderer.renderInline(tokens_for(runs), md.options, {})


def pandoc_binary() -> str:
    """The pandoc that ships inside pypandoc-binary (a pinned release), else one on PATH."""
    try:
        import pypandoc
    except ImportError:
        raise RenderError("citations need pandoc: install Octavo's dependencies (pypandoc-binary)") from None
    bundled = Path(pypandoc.__file__).parent / "files" / "pandoc"
    if bundled.is_file():
        return str(bundled)
    try:
        return pypandoc.get_pandoc_path()
    except OSError:
        raise RenderError("citations need pandoc: install Octavo's dependencies (pypandoc-binary)") from None
