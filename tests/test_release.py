"""Releases (issue 24): `octavo release` keeps each published version in an OCFL 1.1 object,
never rewritten. Release version 1 of the seed, correct a sentence, release version 2: both are
in the object, which ocfl-py's validator (the OCFL editors' implementation, not Octavo's code)
accepts with every digest recomputed; version 1's bytes are unchanged; version 2's editions
print the correction; a change released without a new version is refused, naming the files; a
skipped version is refused; a release killed half way leaves the object as it was."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2
import pytest

from octavo.cli import main
from octavo.errors import ContentError
from octavo.release import ReleaseError, object_path, release, released, verify_object

from conftest import SEED_SLUG, copy_content, edit

CORRECTION = """version: 2
corrections:
  - date: 2018-03-08
    version: 2
    section: sections/07-conclusion.md
    text: A sentence on the next round of talks was added to the conclusion.
"""
ADDED = "\nThe next round of talks is expected in the spring.\n"


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """The seed released as version 1, then corrected and released as version 2."""
    tmp = tmp_path_factory.mktemp("release")
    folder = copy_content(tmp)
    out = tmp / "build"
    first = release(folder, out)
    obj = object_path(out, SEED_SLUG)
    v1_before = tree_digest(obj / "v1")
    again = release(folder, out)  # the same content: rebuilt, compared, nothing added
    with open(folder / "sections" / "07-conclusion.md", "a", encoding="utf-8") as section:
        section.write(ADDED)
    unchanged_inventory = (obj / "inventory.json").read_bytes()
    with pytest.raises(ReleaseError) as refused:  # a change without a new version
        release(folder, out)
    refused_left = (obj / "inventory.json").read_bytes() == unchanged_inventory
    (folder / "publication.yaml").write_text((folder / "publication.yaml").read_text(encoding="utf-8") + CORRECTION,
                                             encoding="utf-8")
    second = release(folder, out)
    return {"folder": folder, "out": out, "obj": obj, "first": first, "again": again, "second": second,
            "v1_before": v1_before, "refused": refused.value, "refused_left": refused_left}


def test_each_version_is_kept_and_the_object_is_valid_ocfl(two_versions):
    obj = two_versions["obj"]
    assert (two_versions["first"].version, two_versions["first"].new) == (1, True)
    assert (two_versions["second"].version, two_versions["second"].new) == (2, True)
    assert verify_object(obj) == ""
    inventory = json.loads((obj / "inventory.json").read_text(encoding="utf-8"))
    assert inventory["type"] == "https://ocfl.io/1.1/spec/#inventory" and inventory["digestAlgorithm"] == "sha512"
    assert inventory["head"] == "v2" and inventory["id"].startswith(("https://", "urn:"))
    versions = released(obj)
    assert sorted(versions) == [1, 2]
    for number in (1, 2):
        assert {f"editions/{SEED_SLUG}{suffix}" for suffix in (".pdf", ".print.pdf", ".archive.pdf", ".epub", ".html")} \
            <= set(versions[number])
        assert f"source/{SEED_SLUG}/publication.yaml" in versions[number] and "metadata/dublin-core.xml" in versions[number]
    assert "Corrected 2018-03-08" in inventory["versions"]["v2"]["message"]
    assert inventory["versions"]["v1"]["user"]["name"] == "Institute for Security and Development Policy"


def test_version_1_is_never_rewritten(two_versions):
    assert tree_digest(two_versions["obj"] / "v1") == two_versions["v1_before"]
    assert (two_versions["again"].version, two_versions["again"].new) == (1, False)


def test_version_2_prints_its_correction_and_version_1_does_not(two_versions):
    obj = two_versions["obj"]
    inventory = json.loads((obj / "inventory.json").read_text(encoding="utf-8"))

    def text_of(version: str) -> str:
        digest = next(d for d, paths in inventory["versions"][version]["state"].items()
                      if f"editions/{SEED_SLUG}.pdf" in paths)
        stored = obj / inventory["manifest"][digest][0]
        document = pypdfium2.PdfDocument(str(stored))
        try:
            return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
        finally:
            document.close()

    notice = "Corrected March 8, 2018 (version 2): A sentence on the next round of talks was added to the conclusion."
    assert text_of("v2").count(notice) == 2 and "The next round of talks is expected in the spring." in text_of("v2")
    assert "Corrected" not in text_of("v1")


def test_a_change_released_without_a_new_version_is_refused_naming_the_files(two_versions):
    message = str(two_versions["refused"])
    assert "version 1 was released" in message and "changed: " in message
    assert f"source/{SEED_SLUG}/sections/07-conclusion.md" in message and f"editions/{SEED_SLUG}.pdf" in message
    assert "set 'version: 2'" in message
    assert two_versions["refused_left"]  # the object untouched


def test_a_skipped_version_is_refused_with_its_line(two_versions):
    folder = two_versions["folder"]
    edit(folder / "publication.yaml", "\nversion: 2\n", "\nversion: 4\n")
    try:
        with pytest.raises(ContentError) as caught:
            release(folder, two_versions["out"])
    finally:
        edit(folder / "publication.yaml", "\nversion: 4\n", "\nversion: 2\n")
    [problem] = caught.value.problems
    assert problem.message == "version 4 cannot be released: the archive holds versions 1 to 2"
    assert problem.location.line and "release version 3 first" in problem.hint


def test_archive_verify_finds_a_changed_byte_in_an_earlier_version(two_versions, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy.ocfl"
    shutil.copytree(two_versions["obj"], copy)
    assert main(["archive", "--verify", str(copy)]) == 0
    assert "a valid OCFL 1.1 object: versions v1, v2" in capsys.readouterr().out
    section = copy / "v1" / "content" / "source" / SEED_SLUG / "sections" / "01-summary.md"
    section.write_bytes(section.read_bytes().replace(b"the", b"teh", 1))
    assert main(["archive", "--verify", str(copy)]) == 4
    err = capsys.readouterr().err
    assert "not a valid OCFL object" in err and "01-summary.md" in err


def third_version(two_versions, tmp_path, correction: str) -> tuple[Path, Path]:
    """A copy of the content and of the object after version 2, the paper set at version 3 with
    `correction` (YAML lines) added to its corrections: (publication folder, build folder)."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(two_versions["folder"].parent, content)
    out = tmp_path / "build"
    shutil.copytree(two_versions["obj"], object_path(out, SEED_SLUG))
    folder = content / SEED_SLUG
    edit(folder / "publication.yaml", "\nversion: 2\n", "\nversion: 3\n")
    with open(folder / "publication.yaml", "a", encoding="utf-8") as yaml:
        yaml.write(correction)
    return folder, out


def test_a_release_killed_half_way_leaves_the_object_as_it_was(two_versions, tmp_path):
    """SIGKILL at several moments of a release of version 3: the object is valid, at version 2
    or (killed after the exchange) at version 3, never in between; the next release cleans up."""
    folder, out = third_version(two_versions, tmp_path, "  - date: 2018-04-02\n    version: 3\n"
                                "    text: A date in the introduction was corrected.\n")
    env = {**os.environ, "OCTAVO_JOBS": "1"}
    for delay in (2.0, 6.0):
        octavo = Path(sys.executable).parent / "octavo"
        child = subprocess.Popen([str(octavo), "release", str(folder), "--out", str(out)],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        assert child.poll() is None, "the release ended before it could be killed"
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        obj = object_path(out, SEED_SLUG)
        assert verify_object(obj) == "" and max(released(obj)) in (2, 3)
    done = release(folder, out)
    assert done.version == 3 and verify_object(done.path) == ""
    assert not list(out.glob(".release.*"))


def test_an_object_moved_aside_by_a_killed_release_is_put_back(tmp_path):
    """Where folders cannot be exchanged in one step, the old object is moved aside first
    (archive._replace_dir): a release killed right then left .<slug>.ocfl.old and no object;
    the next release puts it back before anything else, and removes a dead release's staging."""
    from octavo.release import _put_back

    obj = object_path(tmp_path, SEED_SLUG)
    aside = tmp_path / f".{obj.name}.old"
    aside.mkdir()
    (aside / "0=ocfl_object_1.1").write_text("ocfl_object_1.1\n")
    stale = tmp_path / ".release.999999999.abc"
    stale.mkdir()
    _put_back(obj)
    assert (obj / "0=ocfl_object_1.1").is_file() and not aside.exists() and not stale.exists()


def test_diff_names_each_changed_block_with_its_line_and_words(two_versions, tmp_path, capsys):
    folder, out = two_versions["folder"], two_versions["out"]
    code = main(["diff", str(folder), "1", "2", "--content", str(folder.parent), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    lines = printed.splitlines()
    assert lines[0] == f"{SEED_SLUG}: version 1 → version 2: 2 blocks added"
    assert any(line.startswith("  added   sections/07-conclusion.md:") and
               "The next round of talks is expected in the spring." in line for line in lines), printed
    assert any(line.startswith("  added   publication.yaml:") and "Corrected March 8, 2018 (version 2)" in line
               for line in lines), printed  # the notice is written in publication.yaml, and said there
    page = (out / f"{SEED_SLUG}.diff-1-2.html").read_text(encoding="utf-8")
    assert "<ins>The next round of talks is expected in the spring.</ins>" in page
    # A word changed in a paragraph: the words, not the whole block.
    edit(folder / "sections" / "01-summary.md", "North Korea", "the DPRK")
    try:
        main(["diff", str(folder), "2", "content", "--content", str(folder.parent), "--out", str(out)])
    finally:
        edit(folder / "sections" / "01-summary.md", "the DPRK", "North Korea")
    changed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  changed")]
    assert changed and changed[0].startswith("  changed sections/01-summary.md:") and "“North Korea,” → “the DPRK,”" in changed[0]


def test_a_new_version_whose_change_no_correction_names_is_refused(two_versions, tmp_path):
    """Version 3 adds a sentence to the Chinese perspective but its correction names the
    conclusion: refused, naming the section and the change; --no-notice releases it."""
    folder, out = third_version(two_versions, tmp_path, "  - date: 2018-04-02\n    version: 3\n"
                                "    section: sections/07-conclusion.md\n    text: A date in the conclusion was corrected.\n")
    with open(folder / "sections" / "05-china.md", "a", encoding="utf-8") as section:
        section.write("\nBeijing is expected to host a meeting in the summer.\n")
    with pytest.raises(ContentError) as caught:
        release(folder, out)
    [problem] = caught.value.problems
    assert "version 3 changes 'A Perspective from China' from version 2" in problem.message
    assert "Beijing is expected to host a meeting in the summer." in problem.message
    assert problem.location.path.name == "publication.yaml" and "--no-notice" in problem.hint
    assert max(released(object_path(out, SEED_SLUG))) == 2
    assert release(folder, out, silent=True).version == 3


def test_a_correction_naming_a_section_nothing_changed_in_is_said(two_versions, tmp_path):
    """Its notice would stand under a section that was not corrected: the release warns."""
    folder, out = third_version(two_versions, tmp_path, "  - date: 2018-04-02\n    version: 3\n"
                                "    section: sections/05-china.md\n    text: A name was corrected.\n")
    warned = []
    assert release(folder, out, warn=warned.append).version == 3
    assert any("the correction of 2018-04-02 names the section 'sections/05-china.md'" in w and
               "nothing changed from version 2 but its notice" in w for w in warned), warned


def test_a_released_correction_keeps_its_version(two_versions, tmp_path):
    """A new user's trap: a correction released in version 2, relabelled version 3 when a second
    correction was added, would have printed "version 3" in an archived version. Refused."""
    folder, out = third_version(two_versions, tmp_path, "  - date: 2018-04-02\n    version: 3\n"
                                "    text: A date in the introduction was corrected.\n")
    edit(folder / "publication.yaml", "    version: 2\n", "    version: 3\n")
    with pytest.raises(ContentError) as caught:
        release(folder, out)
    [problem] = caught.value.problems
    assert problem.message == ("the correction of 2018-03-08 was released in version 2 (version 2 is the last "
                               "released), and now says version 3")
    assert problem.location.path.name == "publication.yaml" and "version: 2" in problem.hint


def test_diff_names_a_publication_that_is_not_there_and_takes_v1(two_versions, capsys):
    folder, out = two_versions["folder"], two_versions["out"]
    assert main(["diff", "breaking-deadlok", "1", "2", "--content", str(folder.parent), "--out", str(out)]) == 64
    err = capsys.readouterr().err
    assert "no publication 'breaking-deadlok'" in err and "did you mean 'breaking-deadlock'" in err
    assert main(["diff", str(folder), "v1", "v2", "--content", str(folder.parent), "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"{SEED_SLUG}: version 1 → version 2:")
