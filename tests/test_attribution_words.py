"""A byline's words are an attribution (issue 20): a house style may choose among the wordings
of a role that Octavo's templates list (labels/roles.yaml), never turn "Introduced by" into
something else; and the wording it chooses is what the proof reads, in every edition."""

from __future__ import annotations

import pytest

from octavo.build import build_publication
from octavo.errors import RenderError

from conftest import copy_content, edit


def house_labels(tmp_path, labels: str):
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "short_name: ISDP", "short_name: ISDP\nstyle: careless")
    path = folder.parent / "styles" / "careless" / "labels" / "en.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(labels, encoding="utf-8")
    return folder, path


@pytest.mark.parametrize("key, words", [
    ("introduced_by", "Falsely attributed by some to"),
    ("perspective_of", "Ghost-written for"),
])
def test_a_house_cannot_reword_a_role_into_another(tmp_path, key, words):
    folder, path = house_labels(tmp_path, f"{key}: {words}\n")
    with pytest.raises(RenderError) as caught:
        build_publication(folder, tmp_path / "out", editions=("screen",))
    message = str(caught.value)
    assert message.startswith(f"{path}: '{key}' reads '{words}', which is not a wording of that role")
    assert "'Introduction by'" in message or "'A perspective from'" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_validate_and_build_refuse_it_with_a_clear_error_and_a_non_zero_exit(tmp_path, capsys):
    """`validate` gives the verdict `build` does, without a traceback."""
    from octavo.cli import main

    folder, path = house_labels(tmp_path, "introduced_by: Falsely attributed by some to\n")
    content = ["--content", str(folder.parent)]
    for argv in (["validate", folder.name, *content], ["build", folder.name, *content, "--out", str(tmp_path / "out"), "--edition", "epub"]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code != 0 and "Traceback" not in err, argv
        assert "'introduced_by' reads 'Falsely attributed by some to'" in err, (argv, err)


def test_a_listed_wording_is_printed_and_proven_in_every_edition(tmp_path):
    folder, _ = house_labels(tmp_path, "introduced_by: Introduction by\nperspective_of: A perspective from\n")
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub"))
    assert result.report.ok
    from octavo.verify import read_edition

    for path in result.outputs:
        if path.suffix in (".pdf", ".epub") and ".cover" not in path.name:
            text = " ".join(read_edition(path).text.split())
            assert "A perspective from Ryang Tong Il" in text and "Introduction by Institute for Security" in text, path
