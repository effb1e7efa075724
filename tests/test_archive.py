"""The archival package: `octavo archive` writes a BagIt bag; `--verify` catches a single changed byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from octavo.archive import verify_bag
from octavo.editions import EDITIONS
from octavo.cli import main

from conftest import CONTENT, REPO, SEED_SLUG

DC = {"dc": "http://purl.org/dc/elements/1.1/", "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/"}


@pytest.fixture(scope="session")
def seed_bag(tmp_path_factory) -> Path:
    """The seed's bag, made once through the command line."""
    out = tmp_path_factory.mktemp("bag")
    assert main(["archive", str(CONTENT / SEED_SLUG), "--out", str(out)]) == 0
    return out / f"{SEED_SLUG}.bag"


def copy_bag(bag: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bag, tmp_path / bag.name))


def verify_cli(bag: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "octavo.cli", "archive", "--verify", str(bag)],
                          capture_output=True, text=True, cwd=REPO)


def test_the_bag_holds_every_edition_the_sources_and_a_record(seed_bag, seed_pdf_editions):
    data = seed_bag / "data"
    # Every edition Octavo makes, whatever the publication's `editions:` field says.
    assert sorted(p.name for p in (data / "editions").iterdir()) == sorted(
        e.filename(SEED_SLUG) for e in EDITIONS.values())
    # Built afresh, and byte for byte the editions `octavo build` makes.
    for path in seed_pdf_editions.values():
        assert (data / "editions" / path.name).read_bytes() == path.read_bytes(), path.name
    sources = {p.relative_to(data / "source").as_posix() for p in (data / "source").rglob("*") if p.is_file()}
    expected = {"publisher.yaml", f"{SEED_SLUG}/publication.yaml",
                *(f"{SEED_SLUG}/sections/{p.name}" for p in (CONTENT / SEED_SLUG / "sections").glob("*.md"))}
    assert sources == expected
    for name in expected:
        assert (data / "source" / name).read_bytes() == (CONTENT / name).read_bytes(), name


def test_the_checksums_are_sha256_for_every_payload_file(seed_bag):
    manifests = sorted(p.name for p in seed_bag.glob("*manifest-*.txt"))
    assert manifests == ["manifest-sha256.txt", "tagmanifest-sha256.txt"]
    listed = {line.split(maxsplit=1)[1] for line in (seed_bag / "manifest-sha256.txt").read_text().splitlines()}
    payload = {p.relative_to(seed_bag).as_posix() for p in (seed_bag / "data").rglob("*") if p.is_file()}
    # Every edition, 9 sources, 3 records: Dublin Core, MARC (the seed has no ISBN for ONIX, no DOI for
    # Crossref) and the files' formats.
    assert listed == payload and len(payload) == len(EDITIONS) + 9 + 3
    assert sorted(p.name for p in (seed_bag / "data" / "metadata").iterdir()) == ["dublin-core.xml", "formats.csv",
                                                                                  "marc.xml"]
    build = seed_bag.parent  # and the MARC records in build/ for the catalogues, the same bytes
    assert (build / f"{SEED_SLUG}.marc.xml").read_bytes() == (seed_bag / "data" / "metadata" / "marc.xml").read_bytes()
    assert not (build / f"{SEED_SLUG}.onix.xml").exists() and not (build / f"{SEED_SLUG}.crossref.xml").exists()
    info = (seed_bag / "bag-info.txt").read_text()
    assert "Source-Organization: Institute for Security and Development Policy" in info
    assert "External-Identifier: urn:uuid:" in info


def test_the_dublin_core_record(seed_bag):
    record = etree.parse(str(seed_bag / "data" / "metadata" / "dublin-core.xml")).getroot()
    assert record.tag == f"{{{DC['oai_dc']}}}dc"
    values = lambda name: [e.text for e in record.iterfind(f"dc:{name}", DC)]  # noqa: E731
    assert values("title") == ["Breaking Deadlock on the Korean Peninsula? Four Perspectives"]
    assert values("creator") == ["Ryang Tong Il", "Joon Hyung Kim", "Zhu Feng", "Abraham Denmark"]
    assert values("contributor") == ["Institute for Security and Development Policy"]
    assert values("date") == ["2018-02-05"] and values("language") == ["en"]
    assert values("rights")[0].startswith("© 2018 Institute for Security and Development Policy")
    assert values("identifier")[0].startswith("urn:uuid:")
    assert values("description")[0].startswith("Can the nuclear issue")
    assert sorted(values("format")) == sorted({e.media_type for e in EDITIONS.values()})  # each media type once


def test_the_bag_declares_rfc_8493s_bagit_1_0(seed_bag):
    import bagit

    assert (seed_bag / "bagit.txt").read_text(encoding="utf-8") == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    bag = bagit.Bag(str(seed_bag))
    assert bag.version_info == (1, 0) and bag.is_valid()


def test_a_fresh_bag_verifies(seed_bag):
    run = verify_cli(seed_bag)
    assert run.returncode == 0, run.stderr
    assert f"valid bag, {len(EDITIONS) + 9 + 3} payload files" in run.stdout  # editions, 9 sources, 3 records


def test_one_corrupted_byte_fails_verification_and_names_the_file(seed_bag, tmp_path):
    bag = copy_bag(seed_bag, tmp_path)
    target = bag / "data" / "editions" / f"{SEED_SLUG}.archive.pdf"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    run = verify_cli(bag)
    assert run.returncode == 4
    assert f"data/editions/{SEED_SLUG}.archive.pdf sha256 validation failed" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_or_added_file_fails_verification(seed_bag, tmp_path):
    bag = copy_bag(seed_bag, tmp_path / "missing")
    (bag / "data" / "source" / "publisher.yaml").unlink()
    with pytest.raises(Exception, match="publisher.yaml"):
        verify_bag(bag)
    bag = copy_bag(seed_bag, tmp_path / "added")
    (bag / "data" / "editions" / "extra.txt").write_text("not in the manifest")
    run = verify_cli(bag)
    assert run.returncode == 4 and "extra.txt" in run.stderr


def test_verify_on_something_that_is_not_a_bag(tmp_path):
    run = verify_cli(tmp_path)
    assert run.returncode == 4
    assert "not a BagIt bag" in run.stderr and "Traceback" not in run.stderr


def test_the_bag_holds_the_sources_the_editions_were_made_from(tmp_path, monkeypatch):
    """A section saved while the archive is being built: the bag keeps the text its editions show."""
    import octavo.build
    from octavo.archive import write_bag

    from conftest import copy_content

    folder = copy_content(tmp_path)
    section = folder / "sections" / "07-conclusion.md"
    rendered = section.read_bytes()
    real = octavo.build.verify

    def verify_while_an_editor_saves(*args, **kwargs):
        # Saved as editors save, whole (a new file renamed over the old): the editions are proven
        # in several processes at once (parallel.py), and each may be this editor.
        saved = section.with_name(f".{section.name}.{os.getpid()}")
        saved.write_text(section.read_text(encoding="utf-8").replace("We hope", "We trust"), encoding="utf-8")
        os.replace(saved, section)
        return real(*args, **kwargs)

    monkeypatch.setattr(octavo.build, "verify", verify_while_an_editor_saves)
    bag = write_bag(folder, tmp_path / "out")
    assert (bag / "data" / "source" / SEED_SLUG / "sections" / "07-conclusion.md").read_bytes() == rendered
    assert b"We trust" in section.read_bytes()
    assert "valid bag" in verify_bag(bag)


def test_archive_says_what_the_build_warned_of_and_strict_bags_nothing(tmp_path, capsys):
    """A bag is made once and kept: the content's warnings reach the archivist as they reach
    `octavo build`'s user, and `--strict` refuses them before anything is bagged."""
    from conftest import copy_content

    folder = copy_content(tmp_path)
    yaml = folder / "publication.yaml"
    text = yaml.read_text(encoding="utf-8")
    unaffiliated = text.replace("    affiliations:\n      - organisation: Wilson Center\n"
                                "        place: Washington D.C.\n        country: United States\n", "")
    assert unaffiliated != text
    yaml.write_text(unaffiliated, encoding="utf-8")
    out = tmp_path / "out"

    assert main(["archive", str(folder), "--content", str(folder.parent), "--out", str(out), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "'abraham-denmark' has no affiliation" in err and "--strict makes it an error" in err
    assert not (out / f"{SEED_SLUG}.bag").exists()

    assert main(["archive", str(folder), "--content", str(folder.parent), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "'abraham-denmark' has no affiliation" in err
    assert "valid bag" in verify_bag(out / f"{SEED_SLUG}.bag")


def test_archive_writes_to_a_relative_build_folder_as_make_runs_it(tmp_path, monkeypatch):
    """`make` runs `octavo archive` from the repository with build/ relative to it: the bag is
    made, declared and verified there too (bagit's tag manifests doubled a relative path)."""
    from conftest import copy_content

    folder = copy_content(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["archive", "--content", "content", str(folder.relative_to(tmp_path)), "--out", "build"]) == 0
    bag = tmp_path / "build" / f"{SEED_SLUG}.bag"
    assert (bag / "tagmanifest-sha256.txt").is_file()
    assert "valid bag" in verify_bag(bag)


def test_a_bag_made_from_the_same_inputs_is_not_made_again(tmp_path, monkeypatch, capsys):
    """`make` runs `octavo archive` every time: a bag made from the same content, house file,
    templates and Octavo, still valid, with its distribution files beside it, is left as it is
    (nothing built); a changed section, a distribution file gone, a changed byte in the bag or
    --force make it again."""
    import octavo.archive as archive
    from conftest import copy_content

    folder = copy_content(tmp_path)
    out = tmp_path / "out"
    args = ["archive", str(folder), "--content", str(folder.parent), "--out", str(out)]
    assert main(args) == 0 and "bagged" in capsys.readouterr().out
    bag = out / f"{SEED_SLUG}.bag"
    assert "Octavo-Inputs-Digest: " in (bag / "bag-info.txt").read_text(encoding="utf-8")

    real = archive.assemble
    made = []
    monkeypatch.setattr(archive, "assemble", lambda *a, **k: made.append(1) or real(*a, **k))
    assert main(args) == 0
    assert "unchanged" in capsys.readouterr().out and made == []

    def again(change) -> bool:
        made.clear()
        change()
        assert main(args) == 0
        capsys.readouterr()
        return made == [1]

    assert again(lambda: (folder / "sections" / "07-conclusion.md").write_text(
        (folder / "sections" / "07-conclusion.md").read_text(encoding="utf-8") + "\nA new closing line.\n",
        encoding="utf-8"))
    assert again(lambda: (out / f"{SEED_SLUG}.marc.xml").unlink())
    section = bag / "data" / "source" / SEED_SLUG / "sections" / "01-summary.md"
    assert again(lambda: section.write_bytes(section.read_bytes().replace(b"the", b"teh", 1)))
    assert again(lambda: args.append("--force"))
    assert "valid bag" in verify_bag(bag)


def test_each_file_of_the_bag_has_its_pronom_format(seed_bag, tmp_path):
    """Issue 24: each file's format identified by fido (the Open Preservation Foundation's tool,
    PRONOM's signatures), recorded in metadata/formats.csv: the registry an archive's ingest
    reads. It names the archive edition PDF/A-3U and the print edition PDF/X-4 on its own, an
    independent reading of the claims the editions make."""
    import csv

    from octavo.archive import identify_formats

    with open(seed_bag / "data" / "metadata" / "formats.csv", encoding="utf-8") as table:
        rows = {row["file"]: row for row in csv.DictReader(table)}
    payload = {p.relative_to(seed_bag / "data").as_posix() for p in (seed_bag / "data").rglob("*")
               if p.is_file() and p.name != "formats.csv"}
    assert set(rows) == payload
    assert rows[f"editions/{SEED_SLUG}.archive.pdf"]["puid"] == "fmt/481"  # PDF/A-3u
    assert rows[f"editions/{SEED_SLUG}.print.pdf"]["puid"] == "fmt/488"  # PDF/X-4
    assert rows[f"editions/{SEED_SLUG}.epub"]["puid"] == "fmt/483"
    assert rows[f"editions/{SEED_SLUG}.html"]["puid"] == "fmt/471"
    assert rows["metadata/dublin-core.xml"]["puid"] == "fmt/101"
    assert all(row["puid"] for row in rows.values()), [f for f, r in rows.items() if not r["puid"]]
    # It can fail: the same archive PDF without its PDF/A identification is plain PDF 1.7.
    doctored = tmp_path / "not-a.pdf"
    data = (seed_bag / "data" / "editions" / f"{SEED_SLUG}.archive.pdf").read_bytes()
    assert b'pdfaid:part="3"' in data
    doctored.write_bytes(data.replace(b'pdfaid:part="3"', b'pdfaid:prt="3" '))
    assert identify_formats([doctored])[doctored][0] == "fmt/276"
