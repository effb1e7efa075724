"""Hostile content: addresses, paths, names, duplicates and image files that would reach
an edition unchecked. Each is a content error naming its file and line, with a hint, and
exit 2 from both `octavo validate` and `octavo build`, never a traceback, nothing built."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from octavo.cli import main

from conftest import SEED_SLUG, copy_content, edit, print_ready_images

PUB = "publication.yaml"
HOUSE = "../publisher.yaml"
SUMMARY = "sections/01-summary.md"
CONCLUSION = "sections/07-conclusion.md"


def _line(folder: Path, file: str, anchor: str, offset: int = 0) -> str:
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return f"{Path(file).name}:{next(i for i, line in enumerate(lines, 1) if anchor in line) + offset}"


def at(file: str, anchor: str, offset: int = 0) -> Callable[[Path], str]:
    return lambda folder: _line(folder, file, anchor, offset)


def replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: edit(folder / file, old, new)


def _image(name: str, data: bytes | Callable[[], bytes], alt: str = "A map") -> Callable[[Path], None]:
    """Put a file at images/<name> and show it at the end of the summary (line 8)."""
    def apply(folder: Path) -> None:
        target = folder / "images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data() if callable(data) else data)
        with open(folder / SUMMARY, "a", encoding="utf-8") as handle:
            handle.write(f"\n![{alt}](<images/{name}>)\n")
    return apply


def _png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (22, 50, 79)).save(buffer, "PNG")
    return buffer.getvalue()


def _svg(body: str, head: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{head}<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{body}</svg>').encode()


def _link(target: str, entry: str) -> Callable[[Path], None]:
    """Make `entry` (a section path) a symbolic link to `target` and list it instead of the conclusion."""
    def apply(folder: Path) -> None:
        (folder / entry).symlink_to(target)
        edit(folder / PUB, "  - sections/07-conclusion.md", f"  - {entry}")
    return apply


def _same_stem(folder: Path) -> None:
    for sub in ("a", "b"):
        (folder / "sections" / sub).mkdir()
        (folder / "sections" / sub / "intro.md").write_bytes((folder / CONCLUSION).read_bytes())
    edit(folder / PUB, "  - sections/06-united-states.md\n  - sections/07-conclusion.md",
         "  - sections/06-united-states.md\n  - sections/a/intro.md\n  - sections/b/intro.md")


def _absolute(folder: Path) -> None:
    edit(folder / PUB, "  - sections/07-conclusion.md", f"  - {(folder / CONCLUSION).resolve()}")


def _climb_back(folder: Path) -> None:
    climb = "../" * len(folder.resolve().parts)
    edit(folder / PUB, "  - sections/07-conclusion.md", f"  - sections/{climb}{str(folder.resolve())[1:]}/{CONCLUSION}")


def _renamed(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / CONCLUSION).rename(folder / "sections" / name)
        edit(folder / PUB, "  - sections/07-conclusion.md", f"  - 'sections/{name}'")
    return apply


def _bomb() -> bytes:  # 8000 × 8000 = 64 Mpx of one colour: a tiny file, a huge image
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    breaks: Callable[[Path], None]
    where: str | Callable[[Path], str]
    message: str


AT_END = "01-summary.md:8"  # where _image shows the image
CASES: dict[str, Case] = {
    # 1. one allow-list for every address
    "javascript: house website": Case(replace(HOUSE, "website: https://www.isdp.eu", "website: javascript:alert(1)"),
                                      "publisher.yaml:8", "the address 'javascript:alert(1)' in 'website' is refused"),
    "file: house website": Case(replace(HOUSE, "website: https://www.isdp.eu", "website: file:///etc/passwd"),
                                "publisher.yaml:8", "in 'website' is refused: it is not a web address"),
    "house website without a host": Case(replace(HOUSE, "website: https://www.isdp.eu", "website: 'https://'"),
                                         "publisher.yaml:8", "in 'website' is refused: it has no host name"),
    "mailto: house website": Case(replace(HOUSE, "website: https://www.isdp.eu", "website: mailto:a@b.org"),
                                  "publisher.yaml:8", "in 'website' is refused"),
    "javascript: identifier url": Case(replace(PUB, "language: en", "language: en\nidentifiers:\n  url: javascript:alert(1)"),
                                       at(PUB, "language: en", 2), "the address 'javascript:alert(1)' in 'url' is refused"),
    "data: identifier url": Case(replace(PUB, "language: en", "language: en\nidentifiers:\n  url: 'data:text/html,x'"),
                                 at(PUB, "language: en", 2), "in 'url' is refused"),
    "vbscript: link": Case(lambda f: edit(f / SUMMARY, "(read the full paper here)", "[read](vbscript:msgbox)"),
                           "01-summary.md:6", "the address 'vbscript:msgbox' is refused"),
    # 2. paths confined, refused not normalised
    "absolute section path": Case(_absolute, at(PUB, "07-conclusion.md"), "is an absolute path"),
    "section climbing back in": Case(_climb_back, at(PUB, "07-conclusion.md"), "its path has '..', '.' or an empty part"),
    "section with ./": Case(replace(PUB, "  - sections/07-conclusion.md", "  - ./sections/07-conclusion.md"),
                            at(PUB, "07-conclusion.md"), "its path has '..', '.' or an empty part"),
    "section link loop": Case(_link("loop.md", "sections/loop.md"), at(PUB, "07-conclusion.md"), "loop of links"),
    "section link out": Case(_link("/etc/passwd", "sections/out.md"), at(PUB, "07-conclusion.md"),
                             "lies outside the publication folder"),
    "image ../ resolving inside": Case(_image("../images/map.png", _png()), AT_END,
                                       "image 'images/../images/map.png' is refused: its path has '..'"),
    "image link loop": Case(lambda f: ((f / "images").mkdir(), (f / "images" / "loop.png").symlink_to("loop.png"),
                                       _image_ref(f, "images/loop.png")), AT_END, "loop of links"),
    "image link out": Case(lambda f: ((f / "images").mkdir(), (f / "images" / "out.png").symlink_to("/etc/passwd"),
                                      _image_ref(f, "images/out.png")), AT_END, "lies outside the publication folder"),
    # 3. names that break the EPUB
    "section file name with # and space": Case(_renamed("07 Conclusion#1.md"), at(PUB, "07-conclusion.md"),
                                               "has a name that an edition cannot carry ('07 Conclusion#1.md')"),
    "contributor id not a slug": Case(replace(PUB, "  - id: zhu-feng", "  - id: Zhu Feng <1>"),
                                      at(PUB, "- id: zhu-feng"), "contributor id 'Zhu Feng <1>' is not a simple id"),
    "image name with a space": Case(_image("peninsula map.png", _png()), AT_END,
                                    "image 'images/peninsula map.png' has a name that an edition cannot carry"),
    "image name with an accent": Case(_image("karta-ö.png", _png()), AT_END,
                                      "image 'images/karta-ö.png' has a name that an edition cannot carry"),
    # 4. two sections, one id
    "same file stem": Case(_same_stem, at(PUB, "07-conclusion.md", 1),
                           "sections 'sections/a/intro.md' (line"),
    "same section through a link": Case(lambda f: ((f / "sections" / "again.md").symlink_to("07-conclusion.md"),
                                                   edit(f / PUB, "  - sections/07-conclusion.md",
                                                        "  - sections/07-conclusion.md\n  - sections/again.md")),
                                        at(PUB, "07-conclusion.md", 1),
                                        "section 'sections/again.md' is listed twice (as 'sections/07-conclusion.md' at line"),
    # 5. language with a newline
    "language with a trailing newline": Case(replace(PUB, "language: en", 'language: "en\\n"'),
                                             at(PUB, "language: en"), "language 'en\\n' is not a language tag"),
    # 6. image files decoded at validate time
    "truncated PNG": Case(_image("map.png", lambda: _png()[:60]), AT_END, "image 'images/map.png' is damaged or cut short"),
    "text file named .png": Case(_image("map.png", b"not an image at all\n"), AT_END,
                                 "image 'images/map.png' is not an image Octavo can read"),
    "JPEG named .png": Case(_image("map.png", lambda: _jpeg()), AT_END, "is not a PNG image (the file holds JPEG)"),
    "too many pixels": Case(_image("map.png", _bomb), AT_END, "over the limit of 50 million"),
    "too many bytes": Case(_image("map.png", lambda: _png() + b"\0" * (20 * 1024 * 1024)), AT_END, "MB limit for an image"),
    "unknown image kind": Case(_image("map.bmp", b"BM"), AT_END, "is not a PNG, JPEG, GIF, WebP or SVG file"),
    "SVG with a script": Case(_image("map.svg", _svg("<script>alert(1)</script>")), AT_END,
                              "image 'images/map.svg' holds a <script>"),
    "SVG with an event handler": Case(_image("map.svg", _svg('<rect onclick="x()" width="1" height="1"/>')), AT_END,
                                      "has an event handler 'onclick' on <rect>"),
    "SVG animation setting a handler": Case(
        _image("map.svg", _svg('<rect width="1" height="1"><set attributeName="onmouseover" to="alert(1)"/></rect>')),
        AT_END, "has an animation <set> that sets 'onmouseover'"),
    "SVG animation to a script": Case(
        _image("map.svg", _svg('<a><animate attributeName="href" values="javascript:alert(1)"/>'
                               '<rect width="1" height="1"/></a>')),
        AT_END, "has an animation <animate> that sets 'href'"),
    "SVG animation values holding a script": Case(
        _image("map.svg", _svg('<rect width="1" height="1"><animate attributeName="fill" '
                               'values="red;javascript:alert(1)"/></rect>')),
        AT_END, "has an animation <animate> whose 'values' is a script"),
    "SVG with foreignObject": Case(_image("map.svg", _svg("<foreignObject><p>x</p></foreignObject>")), AT_END,
                                   "holds a <foreignObject>"),
    "SVG with an external href": Case(_image("map.svg", _svg('<image xlink:href="file:///etc/passwd"/>')), AT_END,
                                      "refers to another file or address ('file:///etc/passwd')"),
    "SVG with an external url() in a style": Case(_image("map.svg", _svg('<rect style="fill:url(http://e.org/x)"/>')),
                                                  AT_END, "refers to another file or address ('http://e.org/x') in its styles"),
    "SVG with an entity": Case(_image("map.svg", _svg("<text>&x;</text>", '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
                               AT_END, "image 'images/map.svg'"),
    "SVG that does not parse": Case(_image("map.svg", b"<svg><g></svg>"), AT_END, "is not a well-formed SVG file"),
}


def _image_ref(folder: Path, src: str) -> None:
    with open(folder / SUMMARY, "a", encoding="utf-8") as handle:
        handle.write(f"\n![A map]({src})\n")


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _refused(folder: Path, where: str, message: str, tmp_path: Path, capsys) -> None:
    for command in (["validate", str(folder), "--content", str(folder.parent)],
                    ["build", str(folder), "--out", str(tmp_path / "build")]):
        code = main(command)
        text = capsys.readouterr()
        shown = text.out + text.err
        assert code == 2, shown
        assert "Traceback" not in shown
        lines = text.err.splitlines()
        hit = [i for i, line in enumerate(lines) if where in line and message in line]
        assert hit, f"{where} / {message} not in:\n{text.err}"
        assert lines[hit[0] + 1].startswith("    hint: "), text.err
    assert _files(tmp_path / "build") == [], "a refused build left files behind"


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_content_is_refused(name, tmp_path, monkeypatch, capsys):
    case = CASES[name]
    folder = copy_content(tmp_path)
    where = case.where(folder) if callable(case.where) else case.where
    case.breaks(folder)
    monkeypatch.chdir(tmp_path)
    _refused(folder, where, case.message, tmp_path, capsys)


def test_problems_are_reported_together(tmp_path, monkeypatch, capsys):
    folder = copy_content(tmp_path)
    edit(folder.parent / "publisher.yaml", "website: https://www.isdp.eu", "website: javascript:alert(1)")
    edit(folder / PUB, "language: en", 'language: "en\\n"')
    _image("map.png", b"text")(folder)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(folder), "--content", str(folder.parent)]) == 2
    err = capsys.readouterr().err
    # the house file stops first (a publication needs its house); then the rest, all at once
    assert "in 'website' is refused" in err
    edit(folder.parent / "publisher.yaml", "website: javascript:alert(1)", "website: https://www.isdp.eu")
    assert main(["validate", str(folder), "--content", str(folder.parent)]) == 2
    err = capsys.readouterr().err
    assert "language 'en\\n' is not a language tag" in err and "image 'images/map.png' is not an image" in err


def test_good_images_build_into_a_valid_epub(tmp_path, monkeypatch, capsys, epubcheck):
    """What the checks let through still builds: a PNG, a plain SVG with an in-file reference and a data: URL."""
    folder = copy_content(tmp_path)
    _image("map_1.png", _png())(folder)
    svg = _svg('<defs><linearGradient id="g"/></defs><rect width="5" height="5" style="fill:url(#g)"/>'
               '<use href="#g"/>')
    _image("chart.svg", svg, alt="A chart")(folder)
    print_ready_images(folder)  # the PNG with the pixels a print shop asks for, or validate refuses it for print
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(folder), "--content", str(folder.parent)]) == 0, capsys.readouterr().err
    out = tmp_path / "build"
    code = main(["build", str(folder), "--out", str(out), "--edition", "epub"])
    assert code == 0, "".join(capsys.readouterr())
    epub = next(out.rglob("*.epub"))
    names = zipfile.ZipFile(epub).namelist()
    assert any(n.endswith("images/map_1.png") for n in names) and any(n.endswith("images/chart.svg") for n in names)
    result = epubcheck(epub)
    assert result.valid, [m for m in result.messages if m.level in ("ERROR", "FATAL")]
    assert SEED_SLUG in epub.name
