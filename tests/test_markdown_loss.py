"""What the Markdown renderer would lose without a word is refused before anything is built:
text nested deeper than it reads, a footnote call with no note, a note nothing calls; a heading
that repeats the section's title is a warning (--strict: an error). `validate` and `build`
give the same verdict."""

from __future__ import annotations

import pytest

from octavo.cli import main

from conftest import SEED_SLUG, copy_content

SECTION = "sections/07-conclusion.md"
NESTED = "".join("  " * depth + f"- level {depth}\n" for depth in range(10)) + "\nThe paragraph after the list.\n"
CASES = {
    "nested too deep": (NESTED, "the text nests 20 levels deep here"),
    "a call with no note": ("A claim.[^nope]\n", "the footnote call [^nope] has no note"),
    "a note nothing calls": ("A claim.\n\n[^lost]: A note that no one calls.\n", "the footnote [^lost] is never called"),
}


def add_to_conclusion(tmp_path, text: str):
    folder = copy_content(tmp_path)
    path = folder / SECTION
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index(text.splitlines()[0]) + 1
    return folder, line


@pytest.mark.parametrize("case", CASES)
def test_validate_and_build_refuse_it_with_its_line(case, tmp_path, capsys):
    text, message = CASES[case]
    folder, _ = add_to_conclusion(tmp_path, text)
    verdicts = []
    for command in (["validate", str(folder), "--content", str(folder.parent)],
                    ["build", str(folder), "--out", str(tmp_path / "out")]):
        code = main(command)
        shown = "".join(capsys.readouterr())
        verdicts.append(code)
        assert message in shown and "Traceback" not in shown, shown
        assert f"{SECTION}:" in shown
    assert verdicts == [2, 2]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_line_named_is_where_the_loss_would_be(tmp_path, capsys):
    folder, line = add_to_conclusion(tmp_path, CASES["a note nothing calls"][0])
    main(["validate", str(folder), "--content", str(folder.parent)])
    assert f"{SECTION}:{line + 2}: the footnote [^lost] is never called" in capsys.readouterr().err


def test_a_heading_repeating_the_title_is_a_warning_and_strict_refuses_it(tmp_path, capsys):
    folder = copy_content(tmp_path)
    path = folder / SECTION
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("---\n")[2].partition("---\n")
    path.write_text(f"---\n{head}---\n# Conclusion\n\n{body}", encoding="utf-8")
    assert main(["validate", str(folder), "--content", str(folder.parent)]) == 0
    assert "the heading '# Conclusion' repeats the section's title" in capsys.readouterr().out
    assert main(["validate", "--strict", str(folder), "--content", str(folder.parent)]) == 2
    assert main(["build", "--strict", str(folder), "--out", str(tmp_path / "out")]) == 2


def test_a_todo_left_in_the_house_file_is_a_warning_once(tmp_path, capsys):
    """The starter house file's TODOs would be printed in every edition's imprint: validate says so
    (once, whatever the number of publications), and --strict refuses them."""
    folder = copy_content(tmp_path)
    house = folder.parent / "publisher.yaml"
    house.write_text(house.read_text(encoding="utf-8").replace("place: Stockholm, Sweden", "place: 'TODO: City'"),
                     encoding="utf-8")
    assert main(["validate", str(folder), "--content", str(folder.parent)]) == 0
    out = capsys.readouterr().out
    assert out.count("publisher.yaml:") == 1 and "still holds the placeholder 'TODO'" in out
    assert main(["validate", "--strict", str(folder), "--content", str(folder.parent)]) == 2
