"""`octavo check` reads files from anywhere: a zip bomb, a PDF bomb, an encrypted PDF or a FIFO is
refused with one line, within bounded memory and time, never a hang or a traceback."""

from __future__ import annotations

import os
import time
import zipfile
import zlib

import pytest

from octavo.cli import main
from octavo.errors import OctavoError
from octavo.verify import read_guarded

from conftest import SEED_SLUG, copy_content


def check(capsys, path, folder) -> tuple[int, str]:
    code = main(["check", str(path), "--publication", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_an_epub_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, capsys):
    folder = copy_content(tmp_path)
    bomb = tmp_path / f"{SEED_SLUG}.epub"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip")
        with zf.open("EPUB/huge.xhtml", "w") as entry:
            for _ in range(10):
                entry.write(b"\0" * 1024 ** 2)
    assert bomb.stat().st_size < 100_000
    code, err = check(capsys, bomb, folder)
    assert code != 0 and "the zip unpacks to more than Octavo reads in an EPUB" in err


def test_a_pdf_bomb_is_stopped_by_the_memory_limit(tmp_path):
    """A page whose content stream inflates to 400 MB, read under a 300 MB limit: refused."""
    stream = zlib.compress(b"0 0 m\n" + b" " * (400 * 1024 ** 2), 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /TrimBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    pdf, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    bomb = tmp_path / f"{SEED_SLUG}.pdf"
    bomb.write_bytes(bytes(pdf))
    started = time.monotonic()
    with pytest.raises(OctavoError, match="needed more than 300 MB of memory"):
        read_guarded(bomb, memory=300 * 1024 ** 2)
    assert time.monotonic() - started < 120


def test_an_encrypted_pdf_says_so(tmp_path, capsys):
    from pypdf import PdfReader, PdfWriter

    from octavo.build import build_publication

    folder = copy_content(tmp_path)
    built = build_publication(folder, tmp_path / "out", editions=("screen",)).outputs[0]
    writer = PdfWriter(clone_from=PdfReader(str(built)))
    writer.encrypt("secret", algorithm="RC4-128")  # what pypdf writes without the cryptography package
    locked = tmp_path / "locked" / built.name
    locked.parent.mkdir()
    with open(locked, "wb") as handle:
        writer.write(handle)
    code, err = check(capsys, locked, folder)
    assert code != 0 and "password" in err.lower()


def test_a_fifo_is_refused_at_once(tmp_path, capsys):
    folder = copy_content(tmp_path)
    fifo = tmp_path / f"{SEED_SLUG}.pdf"
    os.mkfifo(fifo)
    started = time.monotonic()
    code, err = check(capsys, fifo, folder)
    assert code != 0 and "not a regular file" in err and time.monotonic() - started < 10
