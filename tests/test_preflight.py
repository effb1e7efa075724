"""The print edition's preflight (issue 22): an image printed under 300 dpi is a warning of the
build, under 150 dpi a problem of the print edition's proof, with the page, the image's pixels
and its printed size; read back from the built PDF with PDFium, as a print shop's preflight
reads it."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from octavo.build import build_publication
from octavo.errors import ContentError, VerificationError
from octavo.validate import validate
from octavo.preflight import MIN_DPI, WARN_DPI, placed_images

from conftest import DISTRIBUTION, DISTRIBUTION_SLUG, copy_content

CHART = "images/catch-chart.png"


def with_chart_of_width(tmp_path, width: int):
    folder = copy_content(tmp_path, DISTRIBUTION_SLUG, DISTRIBUTION)
    chart = Image.open(folder / CHART)
    chart.resize((width, width // 2), Image.NEAREST).save(folder / CHART)
    return folder


def test_the_fixture_s_figure_is_printed_at_a_print_shop_s_resolution(distribution_outputs):
    """The fixture's chart, 1920 pixels wide over 127 mm: 384 dpi."""
    images = placed_images(distribution_outputs["print"])
    assert images and all(image.dpi >= WARN_DPI for image in images), [str(i) for i in images]


def test_an_image_under_150_dpi_is_refused_at_validate_and_build_before_any_layout(tmp_path):
    """The chart as the fixture first had it: 480 pixels, which the print edition sets 127 mm
    wide (96 to the inch): 96 dpi. `validate` and `build` refuse it alike, with the section's
    file and line and the pixels it needs, and nothing is written."""
    folder = with_chart_of_width(tmp_path, 480)
    checked = validate([folder], folder.parent)
    [error] = checked.errors
    line = next(n for n, text in enumerate((folder / "sections" / "03-enforcement.md").read_text().split("\n"), 1)
                if CHART in text)
    assert (error.location.path.name, error.location.line) == ("03-enforcement.md", line)
    assert error.message == (f"image '{CHART}' (480 × 240 pixels) would print 127 mm wide at 96 dpi, "
                             f"under the {MIN_DPI} dpi a print shop accepts")
    assert "give one at least 957 pixels wide (1,913 for 300 dpi across the text)" in error.hint
    with pytest.raises(ContentError) as caught:
        build_publication(folder, tmp_path / "out", editions=("print",))
    assert caught.value.problems == [error]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # The screen edition sets the same picture for a screen: not refused.
    assert build_publication(folder, tmp_path / "screen", editions=("screen",)).report.ok


def test_the_print_proof_measures_an_image_a_house_style_sizes(tmp_path):
    """A house style with print CSS of its own may size an image otherwise: the prediction is
    then a warning, and the print edition's proof measures the image on its page. Here the house
    sets figures at the text's full width: the 480-pixel chart prints 162 mm wide at 75 dpi."""
    folder = with_chart_of_width(tmp_path, 480)
    house = folder.parent / "styles" / "wide" / "print"
    house.mkdir(parents=True)
    (house / "house.css").write_text("figure img { width: 100%; }\n", encoding="utf-8")
    publisher = folder.parent / "publisher.yaml"
    publisher.write_text(publisher.read_text(encoding="utf-8") + "style: wide\n", encoding="utf-8")
    checked = validate([folder], folder.parent)
    assert not checked.errors
    assert any("the build measures it on the page" in w.message for w in checked.warnings), checked.warnings
    with pytest.raises(VerificationError) as caught:
        build_publication(folder, tmp_path / "out", editions=("print",))
    kept = tmp_path / "out" / f"{DISTRIBUTION_SLUG}.rejected.print.pdf"
    assert kept in caught.value.kept and all(p.is_file() for p in caught.value.kept)  # said, not only left in build/
    assert f"kept aside to inspect, never published: {kept}" in str(caught.value)
    [failure] = caught.value.report.failures
    line = next(n for n, text in enumerate((folder / "sections" / "03-enforcement.md").read_text().split("\n"), 1)
                if CHART in text)
    assert (failure.what, failure.problem) == ("image", f"under {MIN_DPI} dpi, which a print shop sends back")
    assert failure.subject.startswith(f"'{CHART}' (") and failure.subject.endswith(
        f"content/{DISTRIBUTION_SLUG}/sections/03-enforcement.md:{line}) on page 6"), failure.subject
    assert failure.seen == "page 6: an image of 480 × 240 pixels printed 162 × 81 mm, at 75 dpi"


def test_an_image_under_300_dpi_is_a_warning_of_the_build_only(tmp_path):
    """1000 pixels over the text's width (162 mm): 157 dpi. The screen edition says nothing."""
    result = build_publication(with_chart_of_width(tmp_path, 1000), tmp_path / "out", editions=("print", "screen"))
    assert result.report.ok
    [warning] = [n for n in result.notices if "dpi" in n]
    found = re.fullmatch(rf"{DISTRIBUTION_SLUG}\.print\.pdf: page 6: an image of 1000 × 500 pixels printed (\d+) × (\d+) mm, "
                         rf"at (\d+) dpi, under the {WARN_DPI} dpi a print shop asks for: give the figure a larger image", warning)
    assert found, warning
    assert MIN_DPI <= int(found[3]) < WARN_DPI and abs(1000 / (int(found[1]) / 25.4) - int(found[3])) < 2
