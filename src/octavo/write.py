"""Stage 5, write: editions reach build/ whole or not at all.

Each edition is written to a temporary file beside its final path and
renamed into place only after it has been verified, so a failed or killed
build never leaves a half-written PDF or EPUB, and the previous edition
stays intact until the new one is proven.

Temporary files are named `.<slug>.<pid>.<random>.tmp.<ext>`. A build killed
outright (SIGKILL, power loss) cannot remove its own; the next write of the
same output removes those whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def temporary_beside(final: Path) -> Iterator[Path]:
    """A temporary path in final's folder (same filesystem, so the rename is atomic); removed if left."""
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final)
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.{os.getpid()}.", suffix=f".tmp{final.suffix}",
                                dir=final.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def remove_stale_temporaries(final: Path) -> list[Path]:
    """Remove the temporaries of `final` left by builds that were killed; return what was removed."""
    removed = []
    for path in final.parent.glob(f".{final.stem}.*.tmp*"):
        pid = path.name[len(final.stem) + 2:].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def write_text_atomically(final: Path, text: str) -> None:
    """A small text output (a schema, a scaffolded file) written whole or not at all."""
    with temporary_beside(final) as temporary:
        temporary.write_text(text, encoding="utf-8")
        publish(temporary, final)


def publish(temporary: Path, final: Path) -> None:
    """Move a finished edition into place atomically."""
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; editions are ordinary files
    os.replace(temporary, final)


def normalise_zip(path: Path, timestamp: tuple[int, int, int, int, int, int]) -> None:
    """Rewrite an EPUB zip with fixed timestamps and mimetype first, stored (EPUB 3.3 OCF §4.2.4).

    EbookLib stamps each entry with the clock; fixing the stamps makes the
    same content give the same bytes.
    """
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    entries.sort(key=lambda entry: entry[0] != "mimetype")  # stable: keeps EbookLib's order otherwise
    rewritten = path.with_suffix(".rezip")
    try:
        with zipfile.ZipFile(rewritten, "w") as target:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=timestamp)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                target.writestr(info, data, compresslevel=9)
        os.replace(rewritten, path)
    finally:
        rewritten.unlink(missing_ok=True)
