"""Stage 1, load: read YAML and Markdown files into plain data that keeps line numbers.

Nothing here knows what a publication is; model.py gives the data its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ContentError, Location, Problem

# A policy paper's sources are a few kilobytes; anything this large is a
# mistake (a PDF dropped into content/, a runaway generated file).
MAX_SOURCE_BYTES = 5 * 1024 * 1024


class Mapping(dict):
    """A YAML mapping that remembers where it and each of its keys stand."""

    # Defaults for a Mapping made in code (an absent optional field), not by the loader.
    location: Location | None = None
    key_lines: dict[str, int] = {}  # never mutated: the loader assigns each mapping its own

    def where(self, key: str | None = None) -> Location:
        if key is not None and key in self.key_lines:
            return Location(self.location.path, self.key_lines[key])
        return self.location


class Sequence(list):
    location: Location | None = None


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses aliases.

    Aliases are refused outright: content never needs them, and they are the
    vehicle of the "billion laughs" expansion bomb.
    """

    def __init__(self, stream, path: Path, first_line: int = 1):
        super().__init__(stream)
        self._path = path
        self._offset = first_line - 1

    def _location(self, node) -> Location:
        return Location(self._path, node.start_mark.line + 1 + self._offset)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="YAML aliases (*name) are not allowed in content files",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        plain = super().construct_mapping(node, deep=True)
        mapping = Mapping(plain)
        mapping.location = self._location(node)
        mapping.key_lines = {
            key_node.value: key_node.start_mark.line + 1 + self._offset
            for key_node, _ in node.value
            if isinstance(key_node, yaml.ScalarNode)
        }
        return mapping

    def construct_sequence(self, node, deep=False):
        items = Sequence(super().construct_sequence(node, deep=True))
        items.location = self._location(node)
        return items


# Dates stay text here; model.py parses them so an impossible date is a content
# error with a line number, not a ValueError from deep inside PyYAML.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def read_text(path: Path) -> str:
    """Read a UTF-8 source file, or raise a ContentError saying why not."""
    location = Location(path)
    if not path.is_file():
        raise ContentError([Problem(location, "file not found",
                                    "check the path; it is relative to the publication folder")])
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ContentError([Problem(location, f"file is {size:,} bytes, over the {MAX_SOURCE_BYTES:,}-byte limit for a source file",
                                    "content files hold text; keep images and data elsewhere")])
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(Location(path, line), "the file is not valid UTF-8",
                                    "save it as UTF-8 in your editor")]) from None


def parse_yaml(text: str, path: Path, first_line: int = 1):
    """Parse YAML text into Mapping/Sequence/scalars, with content-level errors."""
    if "\t" in text:
        line = text[: text.index("\t")].count("\n") + first_line
        raise ContentError([Problem(Location(path, line), "a tab character is used for indentation or spacing",
                                    "YAML allows spaces only; replace the tab with spaces")])
    loader = None
    try:
        loader = _LineLoader(text, path, first_line)  # its reader already scans for refused characters
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:  # a control character, e.g. NUL, pasted from a PDF
        line = text[: exc.position].count("\n") + first_line
        raise ContentError([Problem(Location(path, line), f"the character {exc.character!r} is not allowed in YAML",
                                    "delete it; it is invisible in most editors")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ContentError([Problem(Location(path, line), f"YAML syntax error: {message}",
                                    "check indentation and quoting near this line")]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(Location(path), f"YAML error: {exc}",
                                    "check the file's syntax; 'octavo new' shows a correct example")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_file(path: Path):
    return parse_yaml(read_text(path), path)


@dataclass(frozen=True)
class MarkdownSource:
    path: Path
    front_matter: Mapping
    body: str
    body_line: int  # line of the file where the body starts


def load_markdown_file(path: Path) -> MarkdownSource:
    """Split a section file into its YAML front matter and Markdown body."""
    text = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError([Problem(Location(path, 1), "the section has no front matter",
                                    "start the file with a '---' line, the title and authors, and another '---'")])
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ContentError([Problem(Location(path, 1), "the front matter is not closed",
                                    "add a '---' line after the front matter")]) from None
    front = parse_yaml("".join(lines[1:end]), path, first_line=2)
    if not isinstance(front, Mapping):
        raise ContentError([Problem(Location(path, 2), "the front matter must be a mapping of fields",
                                    "write 'title: …' and 'authors: […]' lines between the two '---' lines")])
    return MarkdownSource(path, front, "".join(lines[end + 1:]), end + 2)
