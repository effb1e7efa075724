"""What changed between two versions of a paper: `octavo diff <slug> <version> <version>` (issue 24).

A reader of version 2 asks what is different from version 1, and an archivist asks whether each
difference was declared. The answer comes from the document model, not from the files' bytes:
each version's sources are taken out of the released object (release.py), rendered into the
document (no layout), and their blocks (paragraphs, headings, list items, cells, notes,
captions) compared section by section, in order. Each change says its section, the file and
line it stands at, and the words that changed. `content` stands for the content folder as it
is now, not yet released.

The release of a new version uses the same comparison: a section changed that no correction
of the new version names is refused (release.py), unless the release says it is silent.
"""

from __future__ import annotations

import difflib
import html
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import OctavoError, UsageError

CURRENT = "content"


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed"
    section: str  # its title
    where: str  # "sections/04-south-korea.md:12", in the newer version (the older for a removal)
    before: str  # the block's words in the older version ("" for an addition)
    after: str  # in the newer ("" for a removal)
    section_id: str = ""

    def words(self) -> tuple[str, str]:
        """The words removed and the words added, each run joined with ' … '."""
        old, new = self.before.split(), self.after.split()
        gone, came = [], []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                gone.append(" ".join(old[i1:i2]))
            if tag in ("replace", "insert"):
                came.append(" ".join(new[j1:j2]))
        return " … ".join(gone), " … ".join(came)

    def __str__(self) -> str:
        if self.kind == "changed":
            gone, came = self.words()
            return f"  changed {self.where} ({self.section}): “{_short(gone)}” → “{_short(came)}”"
        return f"  {self.kind:<7} {self.where} ({self.section}): “{_short(self.before or self.after)}”"


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def sections_of(folder: Path) -> list[tuple[str, str, Path, list]]:
    """Each section of the publication in `folder` as its editions show it: (id, title, file
    relative to the folder, blocks). A correction's notice at the end of its section is written in
    publication.yaml, not in the section's file: its block says so (Noticed)."""
    from dataclasses import replace

    from .model import load_publication
    from .render import Rendering

    publication = load_publication(folder)
    rendering = Rendering(publication)
    root = rendering.publication.folder
    last_line = {s.id: s.body_line + s.body.count("\n") for s in publication.sections}  # as written
    found = []
    for s in rendering.document.sections:
        path = s.section.path.relative_to(root) if s.section.path.is_relative_to(root) else s.section.path
        blocks = []
        for block in s.blocks:
            notice = next((c for c in publication.corrections if c.section == s.id and c.text in block.text), None)
            if notice is not None and notice.location and block.line > last_line.get(s.id, block.line):
                block = replace(block, line=-notice.location.line)  # said at publication.yaml's line
            blocks.append(block)
        found.append((s.id, s.title, path, blocks))
    return found


def _where(path: Path, block) -> str:
    from .model import PUBLICATION_FILE

    return f"{PUBLICATION_FILE}:{-block.line}" if block.line < 0 else f"{path.as_posix()}:{block.line}"


def compare(older: Path, newer: Path) -> list[Change]:
    """The changes from the publication in `older` to the one in `newer`, block by block."""
    before = {sid: (title, path, blocks) for sid, title, path, blocks in sections_of(older)}
    changes = []
    for sid, title, path, blocks in sections_of(newer):
        _, old_path, old_blocks = before.pop(sid, (title, path, []))
        changes += _section_changes(sid, title, old_path, path, old_blocks, blocks)
    for sid, (title, path, blocks) in before.items():  # sections the newer version no longer has
        changes += [Change("removed", title, _where(path, b), b.text, "", sid) for b in blocks]
    return changes


def _section_changes(sid: str, title: str, old_path: Path, path: Path, old: list, new: list) -> list[Change]:
    changes = []
    matcher = difflib.SequenceMatcher(a=[b.text for b in old], b=[b.text for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            a, b = old[i1 + k], new[j1 + k]
            changes.append(Change("changed", title, _where(path, b), a.text, b.text, sid))
        for b in new[j1 + pairs:j2]:
            changes.append(Change("added", title, _where(path, b), "", b.text, sid))
        for a in old[i1 + pairs:i2]:
            changes.append(Change("removed", title, _where(old_path, a), a.text, "", sid))
    return changes


def version_folder(obj: Path, number: int, into: Path) -> Path:
    """Version `number`'s sources, as released in the OCFL object `obj`, written under `into`
    as a content folder (the house file beside the publication); returns the publication's folder."""
    inventory = json.loads((obj / "inventory.json").read_text(encoding="utf-8"))
    version = inventory["versions"].get(f"v{number}")
    if version is None:
        held = ", ".join(name[1:] for name in inventory["versions"])
        raise UsageError(f"{obj} holds no version {number}: it holds {held}")
    content = into / f"v{number}"
    slug = None
    for digest, paths in version["state"].items():
        for logical in paths:
            if not logical.startswith("source/"):
                continue
            target = content / logical.removeprefix("source/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(obj / inventory["manifest"][digest][0], target)
            if logical.endswith("/publication.yaml") and logical.count("/") == 2:
                slug = logical.split("/")[1]
    if slug is None:
        raise OctavoError(f"{obj}: version {number} holds no publication.yaml among its sources")
    return content / slug


def describe(changes: list[Change], old: str, new: str, slug: str) -> list[str]:
    counts = {kind: sum(c.kind == kind for c in changes) for kind in ("changed", "added", "removed")}
    said = ", ".join(f"{n} block{'s' * (n != 1)} {kind}" for kind, n in counts.items() if n) or "no block changed"
    return [f"{slug}: {old} → {new}: {said}", *map(str, changes)]


def html_page(changes: list[Change], old: str, new: str, slug: str, title: str) -> str:
    """The changes as a web page: each block with its removed words struck and its added words marked."""
    rows = []
    for change in changes:
        if change.kind == "changed":
            old_words, new_words = change.before.split(), change.after.split()
            parts = []
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False).get_opcodes():
                if tag == "equal":
                    parts.append(html.escape(" ".join(old_words[i1:i2])))
                if tag in ("replace", "delete"):
                    parts.append(f"<del>{html.escape(' '.join(old_words[i1:i2]))}</del>")
                if tag in ("replace", "insert"):
                    parts.append(f"<ins>{html.escape(' '.join(new_words[j1:j2]))}</ins>")
            body = " ".join(parts)
        elif change.kind == "added":
            body = f"<ins>{html.escape(change.after)}</ins>"
        else:
            body = f"<del>{html.escape(change.before)}</del>"
        rows.append(f"<li><p class=\"where\">{change.kind}: {html.escape(change.where)} "
                    f"({html.escape(change.section)})</p><p>{body}</p></li>")
    heading = f"What changed in “{html.escape(title)}” from {html.escape(old)} to {html.escape(new)}"
    summary = html.escape(describe(changes, old, new, slug)[0])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + heading + "</title>"
            "<style>body{font-family:serif;max-width:40em;margin:2em auto;line-height:1.5}"
            "del{background:#fdd;color:#600}ins{background:#dfd;color:#060;text-decoration:none}"
            ".where{font-family:sans-serif;font-size:.85em;color:#333}</style></head>"
            f"<body><h1>{heading}</h1><p>{summary}</p><ol>{''.join(rows)}</ol></body></html>\n")
