"""The document stage: one publication is rendered once, into a format-neutral
document that every edition and the proof read; edition names live in one registry."""

from __future__ import annotations

import octavo.document
from octavo.build import build_publication
from octavo.cli import _parser
from octavo.editions import EDITIONS, edition_for_file
from octavo.model import load_publication
from octavo.render import Rendering
from octavo.schema import schema

from conftest import CONTENT, FIXTURES, SEED_SLUG

FEATURES = FIXTURES / "epub-content" / "grid-resilience"


def test_each_section_is_rendered_once_for_every_edition(tmp_path, monkeypatch):
    calls = []
    real = octavo.document.render_body
    monkeypatch.setattr(octavo.document, "render_body", lambda body, doc_id, *a, **k: calls.append(doc_id)
                        or real(body, doc_id, *a, **k))
    result = build_publication(FEATURES, tmp_path, editions=tuple(EDITIONS))
    assert len(result.outputs) == len(EDITIONS)
    assert sorted(calls) == sorted(s.id for s in result.publication.sections)


def test_blocks_carry_ids_kinds_and_source_lines():
    document = Rendering(load_publication(FEATURES)).document
    blocks = [(s, b) for s in document.sections for b in s.blocks]
    kinds = {b.kind for _, b in blocks}
    assert {"paragraph", "list item", "table cell", "block quote", "footnote", "figure caption"} <= kinds, kinds
    for section, block in blocks:
        assert block.id and block.id.startswith(section.id), block
        line = section.section.path.read_text(encoding="utf-8").splitlines()[block.line - 1]
        # The line the block starts on holds some of its words (a footnote's line holds its label too).
        assert set(block.text.split()) & set(line.split()), (block, line)
    ids = [b.id for _, b in blocks if b.kind != "list item"]
    assert len(ids) == len(set(ids))  # stable and distinct: the same id names the same block in every edition


def test_edition_names_come_from_the_registry_everywhere():
    names = list(EDITIONS)
    assert schema("publication")["properties"]["editions"]["items"]["enum"] == names
    help_text = _parser()._subparsers._group_actions[0].choices["build"].format_help()
    assert all(f"<slug>{e.suffix}" in " ".join(help_text.split()) for e in EDITIONS.values())
    assert [edition_for_file(f"x{e.suffix}").name for e in EDITIONS.values()] == names
    assert load_publication(CONTENT / SEED_SLUG).editions  # the seed names some of them


def test_the_metadata_record_joins_title_and_subtitle_as_the_editions_show_them():
    record = Rendering(load_publication(FEATURES)).record
    assert record.full_title == "Keeping the Lights On: Grid Resilience in the Nordic and Baltic Region"
    assert record.series == "Energy Papers Policy Brief No. 7"
    assert record.rights_statement.endswith("All rights reserved.")
