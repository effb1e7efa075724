"""Limits on what content may ask of a build (issue 22): each input is refused at `validate`,
at once, with its file, its line and the limit, rather than run for minutes or take the
machine's memory."""

from __future__ import annotations

import json
import time

import pytest

from octavo.bibliography import MAX_CROSSREF_DEPTH, MAX_FIELD_CHARS, load_references
from octavo.errors import ContentError


def problems_of(path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_references(path)
    return [str(p) for p in caught.value.problems]


def test_a_crossref_cycle_is_refused_at_once_at_its_entry(tmp_path):
    """Three entries whose crossrefs come back: pandoc followed them for 123 s and 17.4 GB."""
    bib = tmp_path / "references.bib"
    bib.write_text("@book{a, title={A}, crossref={b}}\n\n@book{b, title={B}, crossref={c}}\n\n"
                   "@book{c, title={C}, crossref = \"a\"}\n", encoding="utf-8")
    started = time.monotonic()
    found = problems_of(bib)
    assert time.monotonic() - started < 1
    assert found[0] == f"{bib}:1: the crossref fields form a cycle: a → b → c → a\n" \
                       "    hint: an entry's crossref names the work that contains it (a book for a chapter); " \
                       "remove the crossref that points back"
    assert [line.split(":")[1] for line in found] == ["1", "3", "5"]


def test_a_crossref_to_itself_and_a_chain_too_deep_are_refused(tmp_path):
    bib = tmp_path / "references.bib"
    chain = "".join(f"@book{{k{n}, title={{T{n}}}, crossref={{k{n + 1}}}}}\n" for n in range(MAX_CROSSREF_DEPTH + 1))
    bib.write_text("@book{self, title={S}, crossref={Self}}\n" + chain + f"@book{{k{MAX_CROSSREF_DEPTH + 1}, title={{End}}}}\n",
                   encoding="utf-8")
    found = problems_of(bib)
    assert found[0].startswith(f"{bib}:1: the crossref fields form a cycle: self → self")
    assert f"{bib}:2: the crossref chain from 'k0' runs deeper than {MAX_CROSSREF_DEPTH} entries" in found[1]


def test_a_legitimate_crossref_is_read(tmp_path):
    bib = tmp_path / "references.bib"
    bib.write_text("@incollection{ch, title={A Chapter}, author={Berg, Ada}, crossref={bk}}\n\n"
                   "@book{bk, title={The Book}, editor={Kimura, Bob}, year={2020}, publisher={P}}\n", encoding="utf-8")
    references = load_references(bib)
    assert references.ids == ["ch", "bk"]


@pytest.mark.parametrize("kind", ["bib", "json"])
def test_a_field_over_the_limit_is_refused_with_its_line(tmp_path, kind):
    """A 1,000,000-character title ran past 300 s without a verdict."""
    title = "Word " * 200_000
    path = tmp_path / f"references.{kind}"
    if kind == "bib":
        path.write_text(f"@book{{ok, title={{Fine}}}}\n\n@book{{huge, title={{{title}}}}}\n", encoding="utf-8")
    else:
        path.write_text(json.dumps([{"id": "ok", "type": "book", "title": "Fine"},
                                    {"id": "huge", "type": "book", "title": title}], indent=1), encoding="utf-8")
    started = time.monotonic()
    found = problems_of(path)
    assert time.monotonic() - started < 2
    if kind == "bib":  # refused before pandoc reads it (18 s for this title)
        assert len(found) == 1 and found[0].startswith(
            f"{path}:3: the entry 'huge' is 1,000,0"), found
        assert f"over the limit of {4 * MAX_FIELD_CHARS:,} (a field may hold {MAX_FIELD_CHARS:,})" in found[0]
    else:
        assert len(found) == 1 and found[0].startswith(
            f"{path}:7: the entry 'huge' holds a field of {len(title):,} characters, over the limit of {MAX_FIELD_CHARS:,}"), found


def test_a_bibtex_field_just_over_the_limit_is_refused_after_pandoc_reads_it(tmp_path):
    path = tmp_path / "references.bib"
    path.write_text("@book{long, title={" + "x" * (MAX_FIELD_CHARS + 1) + "}}\n", encoding="utf-8")
    found = problems_of(path)
    assert found[0].startswith(f"{path}:1: the entry 'long' holds a field of {MAX_FIELD_CHARS + 1:,} characters")


def _validate(folder):
    from octavo.validate import validate

    return [str(p) for p in validate([folder], folder.parent).errors]


def test_a_publication_of_too_many_sections_is_refused_at_its_list(tmp_path):
    from octavo.model import MAX_SECTIONS

    from conftest import copy_content

    folder = copy_content(tmp_path)
    yaml_path = folder / "publication.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    start = text.index("sections:")
    entries = "".join(f"  - sections/{n:04d}.md\n" for n in range(MAX_SECTIONS + 1))
    yaml_path.write_text(text[:start] + "sections:\n" + entries, encoding="utf-8")
    line = text[:start].count("\n") + 1
    errors = _validate(folder)
    assert errors[0].startswith(f"{yaml_path}:{line}: the publication lists {MAX_SECTIONS + 1:,} sections, "
                                f"over the limit of {MAX_SECTIONS:,}"), errors


def _section_with(folder, body: str):
    section = sorted((folder / "sections").glob("*.md"))[-1]
    text = section.read_text(encoding="utf-8")
    section.write_text(text + "\n" + body, encoding="utf-8")
    return section, text.count("\n") + 2


def test_too_many_notes_are_refused_where_the_limit_is_crossed(tmp_path):
    from octavo.model import MAX_NOTES

    from conftest import copy_content

    folder = copy_content(tmp_path)
    calls = " ".join(f"Claim[^n{n}]." for n in range(MAX_NOTES + 1))
    notes = "".join(f"\n[^n{n}]: Note {n}.\n" for n in range(MAX_NOTES + 1))
    section, _ = _section_with(folder, calls + "\n" + notes)
    started = time.monotonic()
    errors = _validate(folder)
    assert time.monotonic() - started < 30
    assert any(e.startswith(f"{section}:") and f"notes, over the limit of {MAX_NOTES:,}" in e for e in errors), errors


def test_a_table_of_too_many_rows_is_refused_at_the_table(tmp_path):
    from octavo.markdown import MAX_TABLE_ROWS

    from conftest import copy_content

    folder = copy_content(tmp_path)
    rows = "".join(f"| {n} | row {n} |\n" for n in range(MAX_TABLE_ROWS + 1))
    section, line = _section_with(folder, "| n | what |\n|---|---|\n" + rows)
    errors = _validate(folder)
    assert f"{section}:{line}: the table holds more than {MAX_TABLE_ROWS:,} rows, the limit of a table" in \
        [e.split("\n")[0] for e in errors], errors


def test_a_word_over_the_limit_is_refused_at_its_line_and_one_at_it_is_not(tmp_path):
    from octavo.markdown import MAX_WORD_CHARS

    from conftest import copy_content

    folder = copy_content(tmp_path)
    section, line = _section_with(folder, "A word: " + "x" * (MAX_WORD_CHARS + 1) + "\n")
    errors = _validate(folder)
    assert [e.split("\n")[0] for e in errors] == [
        f"{section}:{line}: a word of {MAX_WORD_CHARS + 1:,} characters ('{'x' * 30}…'), over the limit of {MAX_WORD_CHARS:,}"]
    section.write_text(section.read_text(encoding="utf-8").replace("x" * (MAX_WORD_CHARS + 1), "x" * MAX_WORD_CHARS),
                       encoding="utf-8")
    assert _validate(folder) == []
