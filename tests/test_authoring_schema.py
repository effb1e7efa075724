"""The JSON Schemas: generated from the model's specs, committed up to date, accepting the
seed and rejecting broken copies, and named by the files `octavo new` writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from octavo import model
from octavo.cli import main
from octavo.load import load_markdown_file, load_yaml_file
from octavo.schema import KINDS, schema, schema_path, schema_text

from conftest import CONTENT, SEED_SLUG, copy_content, edit

SPECS = {"publisher": model.PUBLISHER_SPEC, "publication": model.PUBLICATION_SPEC, "section": model.SECTION_SPEC}


def _validator(kind: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema(kind), format_checker=jsonschema.FormatChecker())


def _errors(kind: str, data) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(kind).iter_errors(data))


def _seed_files(folder: Path):
    yield "publisher", folder.parent / "publisher.yaml", load_yaml_file(folder.parent / "publisher.yaml")
    yield "publication", folder / "publication.yaml", load_yaml_file(folder / "publication.yaml")
    for path in sorted((folder / "sections").glob("*.md")):
        yield "section", path, load_markdown_file(path).front_matter


@pytest.mark.parametrize("kind", KINDS)
def test_the_schemas_are_valid_draft7(kind):
    jsonschema.Draft7Validator.check_schema(schema(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_the_committed_schemas_are_up_to_date(kind):
    committed = schema_path(CONTENT, kind)
    assert committed.is_file(), f"{committed} is missing: run 'octavo schema'"
    assert committed.read_text(encoding="utf-8") == schema_text(kind), \
        f"{committed} is out of date with model.py: run 'octavo schema'"


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_of_the_model_is_in_the_schema_and_no_other(kind):
    properties = schema(kind)["properties"]
    assert set(properties) == set(SPECS[kind])
    assert set(schema(kind)["required"]) == {k for k, (_, required) in SPECS[kind].items() if required}
    assert schema(kind)["additionalProperties"] is False


def test_the_seed_content_is_valid():
    files = list(_seed_files(CONTENT / SEED_SLUG))
    assert len(files) >= 3
    for kind, path, data in files:
        assert _errors(kind, data) == [], path


BROKEN = {
    "unknown key": ("publication.yaml", "    affiliations:\n      - organisation: Handong",
                    "    affiliation:\n      - organisation: Handong", "publication",
                    "Additional properties are not allowed ('affiliation' was unexpected)"),
    "wrong type": ("publication.yaml", "  year: 2018", "  year: twenty-eighteen", "publication",
                   "rights/year: 'twenty-eighteen' is not of type 'integer'"),
    "missing title": ("publication.yaml", "title: Breaking Deadlock on the Korean Peninsula?\n", "", "publication",
                      "'title' is a required property"),
    "bad date": ("publication.yaml", "date: 2018-02-05", "date: 5 February 2018", "publication",
                 "date: '5 February 2018' does not match"),
    "unknown role": ("sections/05-china.md", "role: perspective", "role: perspectives", "section",
                     "role: 'perspectives' is not one of"),
    "authors as text": ("sections/05-china.md", "authors: [isdp]", "authors: isdp", "section",
                        "authors: 'isdp' is not of type 'array'"),
    "empty disclaimer": ("../publisher.yaml", "    text: >-\n", "    text: ''\n    x: >-\n", "publisher",
                         "disclaimers/0/text: '' is not valid under any of the given schemas"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_schema_rejects_a_broken_copy(case, tmp_path):
    file, old, new, kind, expected = BROKEN[case]
    folder = copy_content(tmp_path)
    edit(folder / file, old, new)
    path = folder / file
    data = load_markdown_file(path).front_matter if path.suffix == ".md" else load_yaml_file(path)
    errors = _errors(kind, data)
    assert any(expected in e for e in errors), errors


def test_a_contributor_needs_an_affiliation_unless_corporate():
    validator = _validator("publication")
    sub = schema("publication")["properties"]["contributors"]["items"]
    person = {"id": "a", "name": "A"}
    assert list(jsonschema.Draft7Validator(sub).iter_errors(person))
    assert not list(jsonschema.Draft7Validator(sub).iter_errors({**person, "corporate": True}))
    assert validator  # the schema as a whole compiles with the conditional


def test_octavo_schema_prints_and_writes(tmp_path, capsys):
    assert main(["schema", "--print", "section"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["properties"].keys() == model.SECTION_SPEC.keys()
    assert main(["schema", "--content", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / ".schema").iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
