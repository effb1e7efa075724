"""Octavo's changes to WeasyPrint and pydyf (src/octavo/patches.py): each written for the
versions its table names, and never applied to, nor silently dropped for, another."""

from __future__ import annotations

import pytest

from octavo import patches
from octavo.errors import RenderError


def test_every_change_is_written_for_the_installed_versions():
    """Fails loudly on an upgrade: each change must be read against the new version and its
    table entry extended, or the pin kept (pyproject.toml)."""
    for patch in patches.PATCHES.values():
        installed = patches.installed_version(patch.package)
        assert installed in patch.versions, f"{patch.name}: written for {patch.versions}, {installed} installed"


def test_each_change_installs_once_and_is_in_place():
    import pydyf
    from weasyprint.css.validation import properties
    from weasyprint.layout import LayoutContext, block

    patches.install(*patches.PATCHES)
    patches.install(*patches.PATCHES)  # a second time changes nothing
    assert LayoutContext._update_footnote_area is not LayoutContext._weasyprint_update_footnote_area
    assert block._linebox_layout is not block._weasyprint_linebox_layout
    assert properties.PROPERTIES["word-break"]([_Ident("keep-all")]) == "keep-all"
    assert pydyf.Stream.data is not pydyf.Stream._pydyf_data
    assert pydyf.PDF.page_references is not pydyf.PDF._pydyf_page_references


def test_another_version_is_refused_naming_the_change(monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RenderError) as caught:
        patches.install("word-break: keep-all")
    message = str(caught.value)
    assert "'word-break: keep-all' is written for weasyprint 70.0, and 71.0 is installed" in message
    assert "src/octavo/patches.py" in message
    from octavo.editions import pdfpaint

    with pytest.raises(RenderError, match="'painting once'"):
        pdfpaint.supported()


def test_the_notes_rewrite_refuses_a_weasyprint_without_its_line(monkeypatch):
    """The one change made by rewriting WeasyPrint's source stops, rather than run unchanged,
    when the line it rewrites is not there."""
    from weasyprint.layout import block

    monkeypatch.setattr(patches, "_REPORT_TO_FIT_A_LINE", "a line WeasyPrint never had")
    monkeypatch.delattr(block, "_octavo_notes_kept", raising=False)
    with pytest.raises(RenderError, match="review patches.keep_notes_with_their_calls"):
        patches.keep_notes_with_their_calls()


class _Ident:
    """A CSS identifier token, as tinycss2 gives WeasyPrint's validators."""

    type = "ident"

    def __init__(self, value: str):
        self.value = value
        self.lower_value = value.lower()


def test_a_stream_ending_with_a_carriage_return_keeps_an_unambiguous_end_of_line():
    """One deflated stream in 256 ends with a carriage return (its checksum's last byte). Followed
    by pydyf's line feed it read as a CRLF end of line and data one byte short of /Length, which
    PDF/A validators refuse (page-validation found it in the cross-reference fixture's archive
    PDF): the end of line is then a CRLF of its own."""
    import zlib

    import pydyf

    patches.install("deflate level")
    content = next(text for text in (f"q 1 0 0 1 {n} {n % 97} cm Q".encode() for n in range(1000000))
                   if zlib.compress(text, patches.DEFLATE_LEVEL).endswith(b"\r"))
    stream = pydyf.Stream([content], compress=True)
    data = stream.data
    compressed = zlib.compress(content, patches.DEFLATE_LEVEL)
    assert data.endswith(compressed + b"\r\nendstream") and f"/Length {len(compressed)}".encode() in data
    assert pydyf.Stream._pydyf_data.fget(stream).endswith(b"\r\nendstream")  # pydyf's own: \r then \n
    assert not pydyf.Stream._pydyf_data.fget(stream).endswith(b"\r\r\nendstream")
