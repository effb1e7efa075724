"""octavo new and octavo validate: scaffolding, warnings, --strict, every problem at once."""

from __future__ import annotations

import re
import pytest
import yaml
from jsonschema import Draft7Validator

from octavo.cli import _parser, main
from octavo.errors import ContentError
from octavo.model import LONG_PARAGRAPH_WORDS, load_publication, load_publisher
from octavo.schema import schema
from octavo.validate import strict_errors

from conftest import CONTENT, SEED_SLUG, copy_content, edit

SLUG = "arctic-security"


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------- new

def test_new_scaffolds_a_publication_that_loads(tmp_path, monkeypatch, capsys):
    content = copy_content(tmp_path).parent
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "new", SLUG, "--content", str(content))
    assert code == 0
    folder = content / SLUG
    assert f"created content/{SLUG}/publication.yaml" in out
    yaml_text = (folder / "publication.yaml").read_text(encoding="utf-8")
    section_text = (folder / "sections" / "01-introduction.md").read_text(encoding="utf-8")
    # the schema line the YAML language server reads, pointing at a file that exists
    assert yaml_text.startswith("# yaml-language-server: $schema=../.schema/publication.schema.json\n")
    assert (folder / "../.schema/publication.schema.json").resolve().is_file()
    assert "# yaml-language-server: $schema=../../.schema/section.schema.json" in section_text
    assert (folder / "sections" / "../../.schema/section.schema.json").resolve().is_file()
    # commented for a reader who is not a programmer
    assert sum(1 for line in yaml_text.splitlines() if line.lstrip().startswith("#")) >= 15
    publication = load_publication(folder)
    assert [d.id for d in publication.disclaimers] == ["house-opinions"]  # every house disclaimer named
    assert len(publication.sections) == 1 and publication.sections[0].authors[0].id == "first-author"
    assert publication.warnings, "the TODOs left to fill in are warnings"


def test_the_scaffolds_commented_identifiers_are_the_loaders(tmp_path, monkeypatch, capsys):
    """The `# identifiers:` example `octavo new` writes names only keys the loader accepts: an
    officer uncommenting it must not meet "'isbn' does not say which edition" (a trial did)."""
    from octavo import model

    content = copy_content(tmp_path).parent
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "new", SLUG, "--content", str(content))[0] == 0
    yaml_text = (content / SLUG / "publication.yaml").read_text(encoding="utf-8")
    [example] = [line for line in yaml_text.splitlines() if line.startswith("# identifiers:")]
    keys = re.findall(r"(\w+):", example.split("{", 1)[1].split("}", 1)[0])
    assert keys and set(keys) <= set(model.IDENTIFIERS_SPEC), f"{keys} against {sorted(model.IDENTIFIERS_SPEC)}"


def test_new_scaffold_passes_validate_but_not_strict(tmp_path, monkeypatch, capsys):
    content = copy_content(tmp_path).parent
    monkeypatch.chdir(tmp_path)
    assert main(["new", SLUG, "--content", str(content)]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, "validate", SLUG, "--content", str(content))
    assert code == 0
    assert f"warning: content/{SLUG}/publication.yaml:" in out and "placeholder 'TODO'" in out
    assert out.strip().endswith("OK: 0 errors, 5 warnings; 1 publication valid")
    code, _, err = _run(capsys, "validate", SLUG, "--content", str(content), "--strict")
    assert code == 2
    assert f"error: content/{SLUG}/sections/01-introduction.md:7: the text still holds the placeholder 'TODO'" in err
    assert err.strip().endswith("FAILED: 0 errors, 5 warnings (--strict: warnings count as errors)")


@pytest.mark.parametrize("slug, message", [("Arctic Security", "is not a valid slug"),
                                           (SEED_SLUG, "already exists")])
def test_new_refuses_a_bad_slug_or_an_existing_folder(slug, message, tmp_path, capsys):
    content = copy_content(tmp_path).parent
    before = sorted(p.name for p in content.iterdir())
    code, _, err = _run(capsys, "new", slug, "--content", str(content))
    assert code == 1 and message in err and "Traceback" not in err
    assert sorted(p.name for p in content.iterdir()) == before  # nothing half-made


def test_new_in_an_empty_folder_writes_a_starter_house_file(tmp_path, monkeypatch, capsys):
    """`octavo new` where there is no content/ yet: a TODO-marked house file with one disclaimer, said so."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "new", SLUG)
    assert code == 0
    assert out.startswith("created content/publisher.yaml: a starter house file; replace its TODOs")
    content = tmp_path / "content"
    house_text = (content / "publisher.yaml").read_text(encoding="utf-8")
    assert house_text.startswith("# yaml-language-server: $schema=.schema/publisher.schema.json\n")
    assert (content / ".schema" / "publisher.schema.json").is_file()
    assert not list(Draft7Validator(schema("publisher")).iter_errors(yaml.safe_load(house_text)))
    publisher = load_publisher(content)
    assert publisher.name.startswith("TODO") and [d.id for d in publisher.disclaimers] == ["house-opinions"]
    publication = load_publication(content / SLUG)
    assert [d.id for d in publication.disclaimers] == ["house-opinions"]
    assert any("TODO: the publisher's name" in str(w) for w in publication.warnings)  # the holder, until filled in
    # the next publication uses the house file as it is now, untouched
    (content / "publisher.yaml").write_text(house_text.replace("TODO: the publisher's name", "Our House"),
                                            encoding="utf-8")
    code, out, _ = _run(capsys, "new", "second-paper")
    assert code == 0 and "publisher.yaml" not in out
    assert "Our House" in (content / "publisher.yaml").read_text(encoding="utf-8")


# -------------------------------------------------------------- validate

def test_the_seed_validates_strictly(capsys, monkeypatch):
    monkeypatch.chdir(CONTENT.parent)
    code, out, _ = _run(capsys, "validate", "--strict")
    assert code == 0 and out.strip().endswith("valid") and "0 warnings" in out


def test_validate_reports_every_error_at_once_with_hints(tmp_path, monkeypatch, capsys):
    folder = copy_content(tmp_path)
    edit(folder / "publication.yaml", "    affiliations:\n      - organisation: Handong",
         "    affiliation:\n      - organisation: Handong")
    edit(folder / "publication.yaml", "date: 2018-02-05", "date: 2018-13-05")
    edit(folder / "sections" / "05-china.md", "[zhu-feng]", "[zhu-fen]")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "validate", "--content", str(folder.parent))
    assert code == 2
    assert "unknown field 'affiliation' in a contributor\n    hint: did you mean 'affiliations'?" in err
    assert "date '2018-13-05' is not a valid date" in err
    assert "sections/05-china.md:5: perspective_of names 'zhu-fen'" in err and "did you mean 'zhu-feng'?" in err
    # The three; the person the misspelt key leaves without affiliation is a warning
    # (test_names_and_identifiers.py), which errors come before.
    assert "FAILED: 3 errors" in err


WARNINGS = {
    "section without role": ("sections/07-conclusion.md", "role: closing\n", "",
                             "07-conclusion.md:2: the section has no 'role'"),
    "long paragraph": ("sections/07-conclusion.md", "It is only a de-escalation",
                       "word " * (LONG_PARAGRAPH_WORDS + 1) + "It is only a de-escalation",
                       "07-conclusion.md:6: a paragraph of"),
    "author credited nowhere": ("sections/05-china.md", "perspective_of: [zhu-feng]\n", "",
                                "author 'zhu-feng' is credited with no section"),
    "placeholder in the text": ("sections/07-conclusion.md", "We hope", "TODO check. We hope",
                                "07-conclusion.md:6: the text still holds the placeholder 'TODO'"),
    "placeholder in the YAML": ("publication.yaml", "name: Focus Asia", "name: Focus Asia TK",
                                "'Focus Asia TK' still holds the placeholder 'TK'"),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_each_warning_is_reported_and_strict_makes_it_an_error(case, tmp_path, monkeypatch, capsys):
    file, old, new, expected = WARNINGS[case]
    folder = copy_content(tmp_path)
    edit(folder / file, old, new)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "validate", "--content", str(folder.parent))
    assert code == 0 and "warning: " in out and expected in out, out
    code, _, err = _run(capsys, "validate", "--content", str(folder.parent), "--strict")
    assert code == 2 and expected in err and "--strict" in err


def test_strict_errors_raise_warnings_as_content_errors(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "sections" / "07-conclusion.md", "role: closing\n", "")
    warnings = load_publication(folder).warnings
    strict_errors(warnings, strict=False)  # not strict: nothing happens
    with pytest.raises(ContentError, match="no 'role'.*--strict makes it an error"):
        strict_errors(warnings, strict=True)


def test_every_command_has_help_text():
    commands = _parser()._subparsers._group_actions[0]
    for name in ("validate", "new", "schema", "preview"):
        assert name in commands.choices
    for action in commands._choices_actions:
        assert action.help, f"'octavo {action.dest}' has no help text"


def test_a_scaffolded_publication_builds_and_proves(tmp_path, monkeypatch, capsys):
    """The scaffold is a real publication: its EPUB builds and passes the proof (house disclaimer included)."""
    content = copy_content(tmp_path).parent
    monkeypatch.chdir(tmp_path)
    assert main(["new", SLUG, "--content", str(content)]) == 0
    out = tmp_path / "build"
    code = main(["build", str(content / SLUG), "--out", str(out), "--edition", "epub"])
    shown = "".join(capsys.readouterr())
    assert code == 0, shown
    assert (out / f"{SLUG}.epub").is_file()
