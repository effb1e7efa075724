"""When the disk or the input fails under a command: one line naming the path and the cause,
a non-zero exit, no traceback, and nothing half-written; and `archive` neither loses a bag
nor leaves its staging behind when it is killed."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from octavo.cli import main

from conftest import REPO, SEED_SLUG, copy_content


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]) if args else None)


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_build_on_a_full_disk(tmp_path, monkeypatch, capsys):
    import octavo.build

    folder = copy_content(tmp_path)
    monkeypatch.setattr(octavo.build, "publish", no_space)
    code, err = run(capsys, "build", str(folder), "--out", str(tmp_path / "out"), "--edition", "web")
    assert code == 3 and "No space left on device" in err
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")] == []


def test_build_into_a_file_where_the_folder_should_be(tmp_path, capsys):
    folder = copy_content(tmp_path)
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    code, err = run(capsys, "build", str(folder), "--out", str(tmp_path / "out"), "--edition", "web")
    assert code == 3 and "out: File exists" in err


def test_validate_when_a_file_cannot_be_read(tmp_path, monkeypatch, capsys):
    folder = copy_content(tmp_path)
    real = Path.read_bytes

    def failing(self):
        if self.name == "07-conclusion.md":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    code, err = run(capsys, "validate", str(folder), "--content", str(folder.parent))
    assert code == 3 and "07-conclusion.md: Input/output error" in err


def test_check_a_damaged_file(tmp_path, capsys):
    folder = copy_content(tmp_path)
    damaged = tmp_path / f"{SEED_SLUG}.pdf"
    damaged.write_bytes(b"%PDF-1.7\n" + b"\x00" * 100)
    code, err = run(capsys, "check", str(damaged), "--publication", str(folder))
    assert code != 0 and "cannot read this screen edition" in err


def test_new_on_a_full_disk(tmp_path, monkeypatch, capsys):
    import octavo.scaffold

    monkeypatch.setattr(octavo.scaffold.shutil, "copytree", no_space, raising=False)
    monkeypatch.setattr(Path, "write_text", no_space)
    code, err = run(capsys, "new", "arctic", "--content", str(tmp_path / "content"))
    assert code == 3 and "No space left on device" in err
    assert not (tmp_path / "content" / "arctic").exists()


def test_archive_on_a_full_disk_leaves_no_staging(tmp_path, monkeypatch, capsys):
    import bagit

    folder = copy_content(tmp_path)
    monkeypatch.setattr(bagit, "make_bag", no_space)
    code, err = run(capsys, "archive", str(folder), "--out", str(tmp_path / "out"))
    assert code == 3 and "No space left on device" in err
    assert list((tmp_path / "out").glob(".bag.*")) == []


def test_archive_verify_refuses_a_fifo_instead_of_hanging(tmp_path, capsys):
    from octavo.archive import write_bag

    bag = write_bag(copy_content(tmp_path), tmp_path / "out")
    listed = bag / "data" / "metadata" / "dublin-core.xml"
    listed.unlink()
    os.mkfifo(listed)
    started = time.monotonic()
    code, err = run(capsys, "archive", "--verify", str(bag))
    assert code == 4 and "data/metadata/dublin-core.xml (a FIFO)" in err
    assert time.monotonic() - started < 10


def test_a_killed_archive_keeps_the_old_bag_and_the_next_run_cleans_up(tmp_path):
    """SIGKILL in the middle of `octavo archive`: the previous bag stays whole and valid, and the next
    run removes the dead process's staging folder."""
    from octavo.archive import remove_stale_staging, verify_bag, write_bag

    folder = copy_content(tmp_path)
    out = tmp_path / "out"
    bag = write_bag(folder, out)
    before = sorted(p.relative_to(bag) for p in bag.rglob("*"))
    child = subprocess.Popen([sys.executable, "-m", "octavo.cli", "archive", str(folder), "--out", str(out), "--force"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out.glob(".bag.*/editions/*.pdf")) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert "valid bag" in verify_bag(bag)
    assert sorted(p.relative_to(bag) for p in bag.rglob("*")) == before
    stale = list(out.glob(".bag.*"))
    assert stale, "the kill came too late to leave a staging folder"
    assert remove_stale_staging(out) == stale and not list(out.glob(".bag.*"))


def test_a_new_bag_replaces_the_old_in_one_step(tmp_path, monkeypatch):
    """The folders are exchanged with renameat2: the old bag is never missing, not even between two renames."""
    import octavo.archive
    from octavo.archive import write_bag

    folder = copy_content(tmp_path)
    write_bag(folder, tmp_path / "out")
    renames = []
    real = os.replace
    monkeypatch.setattr(octavo.archive.os, "replace", lambda a, b: renames.append((a, b)) or real(a, b))
    exchanged = []
    real_exchange = octavo.archive._exchange
    monkeypatch.setattr(octavo.archive, "_exchange", lambda a, b: exchanged.append(b) or real_exchange(a, b))
    write_bag(folder, tmp_path / "out", force=True)  # made again, not left as it is
    assert exchanged and [(a, b) for a, b in renames if str(b).endswith((".bag", ".bag.old"))] == []  # exchanged, not moved aside


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(c) for c in children]
    return found


def _building_with_two_workers(tmp_path: Path):
    """`octavo build --jobs 2` on two publications, once both workers are building: (process, worker pids, out)."""
    content = tmp_path / "content"
    for slug in ("alpha", "beta"):
        copy_content(tmp_path, SEED_SLUG)
        (content / SEED_SLUG).rename(content / slug)
    out = tmp_path / "out"
    build = subprocess.Popen([sys.executable, "-m", "octavo.cli", "build", "--jobs", "2", "--force",
                              "--content", str(content), "--out", str(out)],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    workers = []
    while time.monotonic() < deadline and len(workers) < 2 and build.poll() is None:
        workers = [c for c in _children(build.pid) if "spawn" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]
        time.sleep(0.1)
    assert len(workers) == 2, "the workers did not start"
    time.sleep(1.0)  # they are building now
    return build, workers, out


def test_sigterm_stops_the_build_and_its_workers(tmp_path):
    """SIGTERM to `octavo build --jobs 2`: exit 143, and no worker lives on to publish afterwards."""
    build, workers, out = _building_with_two_workers(tmp_path)
    build.send_signal(signal.SIGTERM)
    assert build.wait(timeout=30) == 143
    assert "terminated:" in build.stderr.read()
    assert _alive_after(workers, 10.0) == []
    published = _published(out)
    time.sleep(3.0)
    assert _published(out) == published  # nothing appears after the command has stopped


def _alive_after(pids: list[int], seconds: float) -> list[int]:
    """Those of `pids` still running once they have had `seconds` to end (checked every 0.1 s,
    so a slow machine is waited for and a quick one is not). A zombie is dead: it only waits
    for whoever adopted it to reap it."""
    def alive(pid):
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False
    deadline = time.monotonic() + seconds
    while [p for p in pids if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def _published(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


def test_workers_die_with_a_parent_killed_outright(tmp_path):
    """SIGKILL leaves the parent no time to stop anything: the kernel ends the workers (PR_SET_PDEATHSIG)."""
    build, workers, _ = _building_with_two_workers(tmp_path)
    build.kill()
    build.wait()
    assert _alive_after(workers, 10.0) == []


def test_a_publication_that_is_a_loop_of_links(tmp_path, capsys):
    folder = copy_content(tmp_path)
    loop = folder.parent / "loop"
    loop.symlink_to(loop)
    code, err = run(capsys, "validate", str(loop), "--content", str(folder.parent))
    assert code == 2 and "loop: no publication.yaml in this folder" in err
    code, err = run(capsys, "build", str(loop), "--out", str(tmp_path / "out"))
    assert code == 2 and "no publication.yaml in this folder" in err


def test_new_over_a_dangling_link(tmp_path, capsys):
    folder = copy_content(tmp_path)
    (folder.parent / "arctic").symlink_to(tmp_path / "nowhere")
    code, err = run(capsys, "new", "arctic", "--content", str(folder.parent))
    assert code == 1 and "arctic already exists" in err
    assert (folder.parent / "arctic").is_symlink() and not (tmp_path / "nowhere").exists()
