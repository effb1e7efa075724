"""The print edition's preflight (issue 22): an image printed under 300 dpi is a warning of the
build, under 150 dpi a problem of the print edition's proof, with the page, the image's pixels
and its printed size; read back from the built PDF with PDFium, as a print shop's preflight
reads it."""

from __future__ import annotations

import re

from PIL import Image

from octavo.build import build_publication
from octavo.preflight import MIN_DPI, WARN_DPI, placed_images

from conftest import DISTRIBUTION, DISTRIBUTION_SLUG, build_expecting_proof_failure, copy_content

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


def test_an_image_under_150_dpi_fails_the_print_edition(tmp_path):
    """The chart as the fixture first had it: 480 pixels over 127 mm, 96 dpi."""
    report = build_expecting_proof_failure(with_chart_of_width(tmp_path, 480), tmp_path / "out", editions=("print",))
    [failure] = report.failures
    assert (failure.what, failure.subject, failure.problem) == ("image", "on page 6", f"under {MIN_DPI} dpi, which a print shop sends back")
    assert failure.seen == "page 6: an image of 480 × 240 pixels printed 127 × 64 mm, at 96 dpi"


def test_an_image_under_300_dpi_is_a_warning_of_the_build_only(tmp_path):
    """1000 pixels over the text's width (162 mm): 157 dpi. The screen edition says nothing."""
    result = build_publication(with_chart_of_width(tmp_path, 1000), tmp_path / "out", editions=("print", "screen"))
    assert result.report.ok
    [warning] = [n for n in result.notices if "dpi" in n]
    found = re.fullmatch(rf"{DISTRIBUTION_SLUG}\.print\.pdf: page 6: an image of 1000 × 500 pixels printed (\d+) × (\d+) mm, "
                         rf"at (\d+) dpi, under the {WARN_DPI} dpi a print shop asks for: give the figure a larger image", warning)
    assert found, warning
    assert MIN_DPI <= int(found[3]) < WARN_DPI and abs(1000 / (int(found[1]) / 25.4) - int(found[3])) < 2
