"""`octavo check --retail`: the EPUB against what Kindle (KDP, Send to Kindle), Kobo and
Apple Books ask of the file (src/octavo/retail.py).

Every rule is shown failing on a crafted EPUB: a copy of a conforming one (the seed's EPUB
with a cover of the designed size and per-edition identifiers) altered with zipfile, which
must fail with exit code 4 and a table naming the rule and what is wrong, and fail that
rule only (or those that follow from it).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from octavo.cli import main
from octavo.errors import EXIT_PROOF
from octavo.retail import RULES

PRINT_ISBN = "9783161484100"  # both valid ISBN-13s (python-stdnum agrees)
EBOOK_ISBN = "9780306406157"
OPF = "EPUB/content.opf"
NCX = "EPUB/toc.ncx"
NAV = "EPUB/nav.xhtml"
SECTION = "EPUB/sec-01-summary.xhtml"
COVER = "EPUB/images/cover.png"
COVER_PAGE = "EPUB/cover.xhtml"
STORED = {"mimetype", "EPUB/padding.bin", "EPUB/images/noise.png"}  # stored: deflating random bytes gains nothing
ROW = re.compile(r"^  (?P<rule>\S.*?)\s{2,}(?P<retailers>\S.*?)\s{2,}(?P<verdict>pass|FAIL)\s{2,}(?P<detail>.*)$")

Change = Callable[[dict[str, bytes]], None]


# ------------------------------------------------------------------ crafting EPUBs

def craft(source: Path, target: Path, *changes: Change) -> Path:
    """A copy of the EPUB at `source`, each change applied to its entries (name -> bytes, in order)."""
    with zipfile.ZipFile(source) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    for change in changes:
        change(entries)
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in entries.items():  # mimetype first and stored, as OCF wants
            zf.writestr(name, data, zipfile.ZIP_STORED if name in STORED else zipfile.ZIP_DEFLATED)
    return target


def edit(name: str, old: str, new: str, count: int = 1) -> Change:
    def change(entries):
        text = entries[name].decode("utf-8")
        assert text.count(old) >= count, f"{old!r} not in {name}"
        entries[name] = text.replace(old, new).encode("utf-8")
    return change


def sub(name: str, pattern: str, new: str) -> Change:
    def change(entries):
        text, found = re.subn(pattern, new, entries[name].decode("utf-8"), flags=re.S)
        assert found, f"{pattern!r} not in {name}"
        entries[name] = text.encode("utf-8")
    return change


def put(name: str, data: bytes) -> Change:
    def change(entries):
        entries[name] = data
    return change


def rename(old: str, new: str) -> Change:
    def change(entries):
        items = list(entries.items())
        entries.clear()
        entries.update((new if name == old else name, data) for name, data in items)
    return change


def picture(width: int, height: int, fmt: str = "PNG", mode: str = "RGB", noise: bool = False) -> bytes:
    if noise:  # incompressible: a PNG as large as its pixels
        image = Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))
    else:
        image = Image.new(mode, (width, height), "white")
    out = io.BytesIO()
    image.save(out, format=fmt, **({"compress_level": 0 if noise else 1} if fmt == "PNG" else {}))
    return out.getvalue()


def identifiers(ebook: str, source: str) -> tuple[Change, ...]:
    """The EPUB's own identifier `ebook` (in the OPF and the NCX) and the page-list's source `source`."""
    def change(entries):
        opf = entries[OPF].decode("utf-8")
        current = re.search(r'<dc:identifier id="id">([^<]*)</dc:identifier>', opf).group(1)
        opf = opf.replace(f'<dc:identifier id="id">{current}</dc:identifier>',
                          f'<dc:identifier id="id">{ebook}</dc:identifier>')
        opf = re.sub(r'<dc:source id="source">[^<]*</dc:source>', f'<dc:source id="source">{source}</dc:source>', opf)
        entries[OPF] = opf.encode("utf-8")
        entries[NCX] = entries[NCX].decode("utf-8").replace(current, ebook).encode("utf-8")
    return (change,)


# ------------------------------------------------------------------ running the check

def retail(capsys, *paths: Path) -> tuple[int, str, str]:
    code = main(["check", "--retail", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> dict[str, dict[str, str]]:
    found = {}
    for line in out.splitlines():
        match = ROW.match(line)
        if match and match["rule"] != "requirement":
            assert match["rule"] not in found, f"two rows for {match['rule']}"
            found[match["rule"]] = match.groupdict()
    return found


@pytest.fixture(scope="module")
def conforming(seed_epub, tmp_path_factory) -> Path:
    """The seed's EPUB with what issue 11 gives it: a 1600x2560 cover, the e-book's ISBN as its
    identifier and the print edition's as the page-list's source."""
    target = tmp_path_factory.mktemp("retail") / "conforming.epub"
    return craft(seed_epub, target, put(COVER, picture(1600, 2560)),
                 *identifiers(f"urn:isbn:{EBOOK_ISBN}", f"urn:isbn:{PRINT_ISBN}"))


# ------------------------------------------------------------------ the table

def test_the_table_has_one_row_for_every_rule(seed_epub, capsys):
    code, out, err = retail(capsys, seed_epub)
    table = rows(out)
    assert list(table) == [rule.name for rule in RULES], out
    for rule in RULES:
        assert table[rule.name]["retailers"] == ", ".join(rule.retailers)
        assert table[rule.name]["detail"], f"{rule.name}: a verdict says why"
    assert code == (0 if all(r["verdict"] == "pass" for r in table.values()) else EXIT_PROOF)
    assert "Traceback" not in err


@pytest.mark.parametrize("which", ["seed", "second publication"])
def test_the_built_epubs_meet_every_requirement(which, seed_epub, distribution_outputs, capsys):
    code, out, err = retail(capsys, seed_epub if which == "seed" else distribution_outputs["epub"])
    table = rows(out)
    assert {name: row["detail"] for name, row in table.items() if row["verdict"] != "pass"} == {}
    assert len(table) == len(RULES)
    assert code == 0, err


def test_a_conforming_epub_passes_every_row(conforming, capsys):
    code, out, err = retail(capsys, conforming)
    table = rows(out)
    assert len(table) == len(RULES)
    assert {name: row["detail"] for name, row in table.items() if row["verdict"] != "pass"} == {}
    assert code == 0 and err == ""
    assert "retailer check: 1 EPUB, every requirement met" in out
    assert "1600\u00d72560 px" in table["cover size"]["detail"]
    assert f"urn:isbn:{EBOOK_ISBN} (a valid ISBN-13)" in table["identifier"]["detail"]


# ------------------------------------------------------------------ every rule, failing

BOMB = 51 * 1000 ** 2  # just over Send to Kindle's 50 MB by e-mail
CMYK_COVER = (put(COVER, picture(1600, 2560, "JPEG", "CMYK")),
              edit(OPF, 'href="images/cover.png" id="cover-image" media-type="image/png"',
                   'href="images/cover.png" id="cover-image" media-type="image/jpeg"'))
SPACED_COVER = (rename(COVER, "EPUB/images/cover image.png"),
                edit(OPF, 'href="images/cover.png"', 'href="images/cover%20image.png"'),
                edit(COVER_PAGE, 'src="images/cover.png"', 'src="images/cover%20image.png"'))

# (rule, changes to the conforming EPUB, words the rule's detail must hold, other rules that fail with it)
CASES = [
    ("documents parse", (edit(SECTION, "</section>", ""),), "sec-01-summary.xhtml:", set()),
    ("documents parse", (edit(OPF, "</manifest>", '<item href="extra.css" id="extra" media-type="text/css"/>'
                                                   "</manifest>"),),
     "extra.css is in the manifest but not in the zip", set()),
    ("cover declared", (edit(OPF, ' properties="cover-image"', ""),),
     'no manifest item has properties="cover-image"', {"cover format", "cover size", "cover page"}),
    ("cover declared", (edit(OPF, '<meta name="cover" content="cover-image"></meta>', ""),),
     'no <meta name="cover" content="cover-image"/> names it', set()),
    ("cover format", (put(COVER, picture(1600, 2560, "GIF", "P")),), "images/cover.png is a GIF", set()),
    ("cover format", CMYK_COVER, "images/cover.png is CMYK", set()),
    ("cover size", (put(COVER, picture(600, 800)),),
     "600\u00d7800 px: below KDP's 1600\u00d72560 (at least 2,500 px high), Apple's 1,400 px on the short side, "
     "KDP's minimum 625\u00d71000", set()),
    ("cover size", (put(COVER, picture(1600, 10_001)),), "1600\u00d710001 px: over KDP's 10,000 px a side",
     {"image pixels"}),
    ("cover page", (edit(COVER_PAGE, "</section>", "<p>Read me first</p></section>"),),
     'cover.xhtml shows the cover with text "Read me first"', set()),
    ("identifier", identifiers("urn:isbn:9780306406158", f"urn:isbn:{PRINT_ISBN}"),
     "9780306406158 is not a valid ISBN (its check digit is wrong)", set()),
    ("identifier", identifiers("urn:isbn:0306406152", f"urn:isbn:{PRINT_ISBN}"),
     "0306406152 is an ISBN-10: retailers list e-books by ISBN-13 (978-0-306-40615-7)", set()),
    ("e-book identifier", identifiers(f"urn:isbn:{PRINT_ISBN}", f"urn:isbn:{PRINT_ISBN}"),
     f"the EPUB's ISBN urn:isbn:{PRINT_ISBN} is its dc:source, the print edition the page-list follows", set()),
    ("e-book identifier", (edit(OPF, "<dc:language>", f'<dc:identifier id="print">{PRINT_ISBN}</dc:identifier>'
                                                      "<dc:language>"),),
     f"dc:identifier {PRINT_ISBN} is the print edition's", set()),
    ("NCX identifier", (edit(NCX, f"urn:isbn:{EBOOK_ISBN}", "urn:isbn:9781234567897"),),
     f"toc.ncx's dtb:uid urn:isbn:9781234567897 is not the dc:identifier urn:isbn:{EBOOK_ISBN}", set()),
    ("language", (edit(OPF, "<dc:language>en</dc:language>", "<dc:language>en_US</dc:language>"),),
     '"en_US" is not a BCP 47 language tag', set()),
    ("language", (edit(OPF, "<dc:language>en</dc:language>", "<dc:language>english</dc:language>"),),
     '"english" is not a BCP 47 language tag', set()),
    ("title", (sub(OPF, r"<dc:title[^>]*>[^<]*</dc:title>", ""),), "no dc:title with text", set()),
    ("author", (sub(OPF, r"<dc:creator[^>]*>[^<]*</dc:creator>", ""),), "no dc:creator", set()),
    ("table of contents", (edit(NAV, 'epub:type="toc"', 'epub:type="lot"'),),
     'nav.xhtml has no <nav epub:type="toc">', set()),
    ("page-list", (sub(NAV, r'<nav epub:type="page-list".*?</nav>', ""),),
     "claims print pagination (dc:source urn:isbn:9783161484100, accessibilityFeature pageNavigation, "
     "accessibilityFeature pageBreakMarkers) but the navigation document has no page-list", set()),
    ("page-list", (sub(OPF, r'<dc:source id="source">[^<]*</dc:source>', ""),),
     "a page-list of 8 pages but no dc:source naming the print edition it follows", set()),
    ("no scripts", (edit(SECTION, "</head>", '<script src="app.js"></script></head>'),),
     "sec-01-summary.xhtml: <script>", set()),
    ("no scripts", (edit(SECTION, '<p id="sec-01-summary-b1">', '<p id="sec-01-summary-b1" onclick="go()">'),),
     "sec-01-summary.xhtml: onclick on <p>", set()),
    ("no scripts", (edit(OPF, 'id="sec-01-summary" media-type="application/xhtml+xml"',
                         'id="sec-01-summary" media-type="application/xhtml+xml" properties="scripted"'),),
     'sec-01-summary.xhtml has properties="scripted"', set()),
    ("no scripts", (edit(SECTION, "</section>", '<p><a href="javascript:go()">Go</a></p></section>'),),
     "sec-01-summary.xhtml: a javascript: URL on <a>", set()),
    ("no forms or frames", (edit(SECTION, "</section>", '<iframe src="imprint.xhtml" title="imprint"></iframe>'
                                                        "</section>"),),
     "sec-01-summary.xhtml: <iframe>", set()),
    ("fonts", (put("EPUB/fonts/serif.woff2", b"wOF2" + bytes(60)),
               edit(OPF, "</manifest>", '<item href="fonts/serif.woff2" id="font" media-type="font/woff2"/>'
                                        "</manifest>")),
     "fonts/serif.woff2 is WOFF2: embed TTF, OTF or WOFF 1.0", set()),
    ("file names", SPACED_COVER, '"EPUB/images/cover image.png" (space)', set()),
    ("file names", (put("EPUB/images/\u00dcbersicht.png", picture(10, 10)),),
     "\"EPUB/images/\u00dcbersicht.png\" (non-ASCII '\u00dc')", set()),
    ("file names", (put("EPUB/notes.", b"x"),), '"EPUB/notes." (ends in ".")', set()),
    ("EPUB size", (put("EPUB/padding.bin", os.urandom(BOMB)),),
     " MB: over Send to Kindle by e-mail's 50 MB: make the images smaller", set()),
    ("XHTML size", (edit(SECTION, "</section>", f"<p>{'word ' * 62_000}</p></section>"),),
     " KB (over 300 KB): split the section", set()),
    ("image file size", (put("EPUB/images/noise.png", picture(1300, 1300, noise=True)),
                         edit(OPF, "</manifest>", '<item href="images/noise.png" id="noise" media-type="image/png"/>'
                                                  "</manifest>")),
     "images/noise.png: 5.1 MB (over 5 MB)", set()),
    ("image pixels", (put(COVER, picture(2000, 3000)),),
     "images/cover.png: 2000\u00d73000 = 6.0 million pixels (Apple's limit: 5.6 million)", set()),
    ("layout", (edit(OPF, "<dc:language>", '<meta property="rendition:layout">pre-paginated</meta><dc:language>'),),
     'cover.xhtml is fixed layout but has no <meta name="viewport"', set()),
    ("layout", (edit(OPF, "<dc:language>", '<meta property="rendition:layout">fixed</meta><dc:language>'),),
     'rendition:layout "fixed": it is reflowable or pre-paginated', set()),
    ("layout", (put("META-INF/com.apple.ibooks.display-options.xml",
                    b'<display_options><platform name="*"><option name="fixed-layout">true</option>'
                    b"</platform></display_options>"),),
     "META-INF/com.apple.ibooks.display-options.xml says fixed-layout true, the package says reflowable", set()),
    ("no remote resources", (edit(SECTION, "</section>", '<img src="https://example.org/chart.png" alt="A chart"/>'
                                                         "</section>"),),
     'sec-01-summary.xhtml: <img src="https://example.org/chart.png">', set()),
    ("no remote resources", (edit("EPUB/style/epub.css", "", '@import url("https://example.org/fonts.css");\n'),),
     "style/epub.css loads https://example.org/fonts.css", set()),
    ("no remote resources", (edit(SECTION, "</section>", '<img src="../cover.png" srcset="//cdn.example.org/c.png 2x"'
                                                         ' alt="A chart"/></section>'),),
     '<img srcset="//cdn.example.org/c.png 2x">', set()),
    ("no remote resources", (edit(OPF, "</manifest>", '<item href="https://example.org/serif.woff" id="font"'
                                                      ' media-type="font/woff"/></manifest>'),),
     "the manifest lists https://example.org/serif.woff", set()),
]


@pytest.fixture
def in_process(monkeypatch):
    """The check in this process, not a child's: the same code, read and judged, without the
    second or so a child takes to start (the tests above and below run it in a child)."""
    monkeypatch.setattr("octavo.retail._guarded", lambda function, path: function(path))


@pytest.mark.parametrize(("rule", "changes", "expected", "also"), CASES,
                         ids=[f"{case[0]}-{n}" for n, case in enumerate(CASES)])
def test_each_rule_fails_a_crafted_epub(conforming, tmp_path, capsys, in_process, rule, changes, expected, also):
    broken = craft(conforming, tmp_path / "broken.epub", *changes)
    code, out, err = retail(capsys, broken)
    table = rows(out)
    assert code == EXIT_PROOF, out
    assert table[rule]["verdict"] == "FAIL", out
    assert expected in table[rule]["detail"], table[rule]["detail"]
    assert {name for name, row in table.items() if row["verdict"] == "FAIL"} == {rule} | also, out
    assert f"broken.epub ({', '.join(r for r in table if table[r]['verdict'] == 'FAIL')})" in err
    assert "Traceback" not in err


def test_every_rule_is_shown_failing():
    assert {case[0] for case in CASES} == {rule.name for rule in RULES}


# ------------------------------------------------------------------ files that are not EPUBs

def test_a_zip_bomb_is_refused_before_anything_is_unpacked(conforming, tmp_path, capsys):
    bomb = craft(conforming, tmp_path / "bomb.epub", put("EPUB/zeros.bin", bytes(2 * 1024 ** 2)))
    code, out, err = retail(capsys, bomb)
    assert code == 1
    assert "the zip unpacks to more than Octavo reads in an EPUB" in err
    assert "Traceback" not in err


def test_a_file_that_is_not_a_zip_is_refused_cleanly(tmp_path, capsys):
    fake = tmp_path / "fake.epub"
    fake.write_text("not a zip")
    code, out, err = retail(capsys, fake)
    assert code == 1
    assert f"error: {fake}: not an EPUB (it is not a zip file" in err
    assert "Traceback" not in err


def test_a_package_without_its_parts_is_refused_cleanly(conforming, tmp_path, capsys):
    hollow = craft(conforming, tmp_path / "hollow.epub", sub(OPF, r"<spine.*</spine>", ""))
    code, out, err = retail(capsys, hollow)
    assert code == 1
    assert "EPUB/content.opf is not an EPUB package document (a <package> with <metadata>, <manifest> and <spine>)" in err
    assert "Traceback" not in err


def test_only_epubs_are_checked(tmp_path, capsys):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    code, out, err = retail(capsys, pdf)
    assert code == 1
    assert "--retail checks EPUBs (<slug>.epub); this is not one" in err


def test_editions_without_isbns_may_share_the_publications_identifier(conforming, tmp_path, capsys, in_process):
    shared = "urn:uuid:24b40afe-161c-58a8-88f1-e2159c902e6e"
    epub = craft(conforming, tmp_path / "no-isbn.epub", *identifiers(shared, shared))
    code, out, err = retail(capsys, epub)
    assert rows(out)["e-book identifier"]["verdict"] == "pass"
    assert f"no ISBN: the EPUB and the print edition share the publication's identifier {shared}" in out
    assert code == 0, out


def test_several_epubs_get_a_table_each_and_fail_together(conforming, tmp_path, capsys):
    small = craft(conforming, tmp_path / "small-cover.epub", put(COVER, picture(600, 800)))
    code, out, err = retail(capsys, conforming, small)
    assert code == EXIT_PROOF
    assert out.count("retailer requirements") == 2
    assert "retailer check failed: 1 of 2 EPUBs: small-cover.epub (cover size)" in err
