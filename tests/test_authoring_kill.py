"""A build killed mid-way (SIGKILL: no handler runs, no `finally`) leaves the previous
editions byte-identical and nothing under the real names; the temporaries it leaves
(dot-files) are removed by the next write of the same output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from octavo.editions import EDITIONS, with_followers
from octavo.model import load_publication
from octavo.write import remove_stale_temporaries, temporary_beside

from conftest import copy_content


def _temporaries(out: Path, slug: str) -> list[Path]:
    return sorted(out.glob(f".{slug}.*.tmp*"))


def test_a_killed_build_leaves_the_previous_editions_intact(tmp_path):
    folder = copy_content(tmp_path)
    publication = load_publication(folder)
    out = tmp_path / "build"
    out.mkdir()
    # Every edition the build makes (the cover comes with the print edition): a build makes all its
    # temporaries before it writes the first, so the killed build leaves one for each.
    finals = [out / EDITIONS[name].filename(publication.slug) for name in with_followers(publication.editions)]
    previous = {}
    for final in finals:  # stand-ins for the previous editions: any bytes will do, they must not change
        previous[final] = f"previous {final.name} {os.urandom(8).hex()}\n".encode() * 100
        final.write_bytes(previous[final])

    build = subprocess.Popen([sys.executable, "-m", "octavo.cli", "build", str(folder), "--out", str(out),
                              "--force"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        # Wait until an edition is being written (a temporary beside the final name), then kill.
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size > 0 for p in _temporaries(out, publication.slug) if p.exists()):
            assert build.poll() is None, f"the build ended before it could be killed: {build.stderr.read()}"
            assert time.monotonic() < deadline, "no temporary edition appeared within 120 s"
            time.sleep(0.005)
    finally:
        os.killpg(build.pid, signal.SIGKILL)  # the build and any worker it started
        build.wait()
        build.stderr.close()
    assert build.returncode == -signal.SIGKILL

    for final, data in previous.items():
        assert final.read_bytes() == data, f"{final.name} changed: a killed build touched a published edition"
    real_names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert real_names == sorted(f.name for f in finals), "a killed build left files under real names"
    left = _temporaries(out, publication.slug)
    assert left, "the build was not killed mid-way: nothing was being written"

    # The next write of the same outputs removes what the killed build left behind.
    removed = [p for final in finals for p in remove_stale_temporaries(final)]
    assert sorted(removed) == left
    assert _temporaries(out, publication.slug) == []


def test_a_live_builds_temporaries_are_left_alone(tmp_path):
    final = tmp_path / "paper.pdf"
    with temporary_beside(final) as temporary:
        temporary.write_bytes(b"in progress")
        assert remove_stale_temporaries(final) == []  # its process (this one) is alive
        assert temporary.exists()
    assert list(tmp_path.iterdir()) == []  # and removed by its own build when done
