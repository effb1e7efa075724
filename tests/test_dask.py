"""`octavo build --scheduler`: the catalog on a real Dask cluster, on this machine.

A `dask scheduler` and two `dask worker` processes (each --nworkers 1
--nthreads 1) on 127.0.0.1, on free ports, started once for the module and
stopped even when a test fails. Three small publications (the EPUB fixture's
two, one with an image, and a copy under another slug) and a broken one are
built through them and, for comparison, by the local process pool: the
editions must be byte-identical. The workers do not have the client's
SOURCE_DATE_EPOCH in their environment: the client sends it.

Then what must fail does, and says so: a worker with other code or other
fonts is refused by name, a worker killed in the middle of a build fails that
title, an unreachable scheduler or one without Octavo is a clear error; and
bytes a worker sends that are not the publication are caught by the client's
own proof.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

import octavo
from octavo import cluster
from octavo.catalog import build_one
from octavo.cli import main

from conftest import FIXTURES, edit

DASK = Path(sys.executable).parent / "dask"
SRC = Path(octavo.__file__).resolve().parents[1]  # the Octavo under test: the cluster's processes import it
EPOCH = "1700000000"
TITLES = ("grid-resilience", "small-screens", "small-screens-again")

pytestmark = pytest.mark.skipif(not DASK.is_file(), reason="the dask command is installed with Octavo's pins")


class Cluster:
    """A scheduler and its workers as child processes, each in its own process group (a worker's
    nanny and the worker it starts are stopped together). Logs go to files under `root`."""

    def __init__(self, root: Path, scheduler_env: dict | None = None, tls: list[str] | None = None):
        self.root, self.processes, self.address, self.tls = root, [], "", tls or []
        root.mkdir(parents=True, exist_ok=True)
        file = root / "scheduler.json"
        protocol = ["--protocol", "tls"] if tls else []
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(file), *protocol, *self.tls], scheduler_env)
        self.address = json.loads(self._wait_for(file).read_text())["address"]

    def _environment(self, extra: dict | None) -> dict:
        environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        environment["PYTHONPATH"] = str(SRC)
        return {**environment, **(extra or {})}

    def _start(self, name: str, command: list[str], env: dict | None) -> None:
        log = open(self.root / f"{name}.log", "wb")
        self.processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               env=self._environment(env), cwd=self.root, start_new_session=True))
        log.close()

    def _wait_for(self, file: Path, seconds: float = 60) -> Path:
        deadline = time.monotonic() + seconds
        while not file.is_file() or not file.read_text().strip().endswith("}"):
            if self.processes[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the scheduler did not start:\n{self.log('scheduler')}")
            time.sleep(0.1)
        return file

    def add_worker(self, name: str, env: dict | None = None) -> None:
        self._start(name, [str(DASK), "worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                           "--host", "127.0.0.1", "--name", name, *self.tls], env)

    def workers(self, count: int, security=None) -> dict[str, str]:
        """Wait for `count` workers; their addresses by name."""
        from distributed import Client
        with Client(self.address, timeout=30, set_as_default=False, security=security) as client:
            client.wait_for_workers(count, timeout=90)
            return {info["name"]: address for address, info in client.scheduler_info()["workers"].items()}

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.is_file() else ""

    def stop(self) -> None:
        for process in reversed(self.processes):
            with _gone():
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with _gone():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _gone():
    import contextlib
    return contextlib.suppress(ProcessLookupError, PermissionError)


def octavo_build(cwd: Path, *args: str, env: dict | None = None, **kwargs):
    environment = {**os.environ, "PYTHONPATH": str(SRC), "SOURCE_DATE_EPOCH": EPOCH,
                   "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "10s", **(env or {})}
    return subprocess.run([sys.executable, "-m", "octavo.cli", "build", *args], capture_output=True, text=True,
                          cwd=cwd, env=environment, **kwargs)


def make_content(root: Path) -> Path:
    """The EPUB fixture's two papers (one with an image), one of them again under another slug, and a broken one."""
    content = root / "content"
    shutil.copytree(FIXTURES / "epub-content", content)
    shutil.copytree(content / "small-screens", content / "small-screens-again")
    edit(content / "small-screens-again" / "publication.yaml", "\ntitle: ", "\ntitle: Again, ")
    # The print shop's editions, the archive's (the sources attached), the web's; the copy: fewer.
    for slug, editions in (("small-screens", "[print, archive, epub, web]"),
                           ("small-screens-again", "[archive, epub]")):
        edit(content / slug / "publication.yaml", "\ntitle: ", f"\neditions: {editions}\ntitle: ")
    shutil.copytree(content / "small-screens", content / "broken")
    edit(content / "broken" / "publication.yaml", "\ntitle: ", "\ntitel: ")
    return content


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    # Dask gives up on a task at its first lost worker: the lost-worker test need not kill four.
    running = Cluster(tmp_path_factory.mktemp("cluster"), {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    try:
        running.add_worker("one")
        running.add_worker("two")
        running.workers(2)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def builds(dask_cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog")
    make_content(root)
    local = octavo_build(root, "--out", "local", "--jobs", "2")
    remote = octavo_build(root, "--out", "remote", "--scheduler", dask_cluster.address)
    return root, local, remote


def built_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


# ------------------------------------------------------------------ three titles, two ways

def test_the_cluster_builds_the_same_bytes_as_the_local_processes(builds, dask_cluster):
    root, local, remote = builds
    assert local.returncode == 2, local.stderr  # the broken publication: a content error, both ways
    assert remote.returncode == 2, remote.stderr + dask_cluster.log("one")
    here, there = built_files(root / "local"), built_files(root / "remote")
    assert sorted({name.split(".")[0] for name in there}) == sorted(TITLES)
    assert sorted(there) == sorted(here)
    assert len(there) == 2 + 5 + 2  # screen, EPUB; print, its cover, archive, EPUB, web; archive, EPUB
    different = [name for name in here if here[name] != there[name]]
    assert different == [], f"not byte-identical: {different}"
    for slug in TITLES:
        assert (root / "remote" / f".{slug}.octavo.json").is_file()  # stamped like a local build


def test_a_second_cluster_build_finds_nothing_to_do(builds, dask_cluster):
    root, _, _ = builds
    again = octavo_build(root, *[f"content/{slug}" for slug in TITLES], "--out", "remote",
                         "--scheduler", dask_cluster.address)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged, not rebuilt") == 3, again.stdout


def test_a_content_error_on_the_cluster_reads_as_a_local_one(builds):
    root, local, remote = builds

    def error(run):
        return [line for line in run.stderr.splitlines() if "broken" in line or line.startswith("  ")]

    assert error(remote) == error(local)
    assert any("content/broken/publication.yaml:" in line for line in error(remote)), remote.stderr
    assert "FAILED: content error (exit 2)" in remote.stdout
    assert "Traceback" not in remote.stderr
    assert not list((root / "remote").glob("broken*"))


# ------------------------------------------------------------------ the client proves

def test_bytes_that_are_not_the_publication_fail_the_clients_proof(builds, tmp_path):
    root, _, _ = builds
    # A worker that sends another paper's EPUB under this one's name: the client's proof reads it.
    wrong = (root / "local" / "grid-resilience.epub").read_bytes()
    reply = {"outcome": {"exit_code": 0, "notices": []}, "files": {"small-screens-again.epub": wrong}}
    folder = root / "content" / "small-screens-again"
    outcome = build_one(str(folder), str(tmp_path), editions=("epub",), build=partial(cluster.prove_reply, reply))
    assert (outcome.status, outcome.exit_code) == ("proof failed", 4), outcome.message
    assert any("MISSING" in line or "missing" in line for line in outcome.report_lines), outcome.report_lines
    assert not (tmp_path / "small-screens-again.epub").exists()
    assert (tmp_path / "small-screens-again.rejected.epub").read_bytes() == wrong

    # The right bytes pass the same proof and are published.
    right = (root / "local" / "small-screens-again.epub").read_bytes()
    reply["files"] = {"small-screens-again.epub": right}
    outcome = build_one(str(folder), str(tmp_path), editions=("epub",), build=partial(cluster.prove_reply, reply))
    assert outcome.status == "built", outcome.message
    assert (tmp_path / "small-screens-again.epub").read_bytes() == right


def test_a_worker_that_sends_other_files_than_asked_is_refused(builds, tmp_path):
    root, _, _ = builds
    reply = {"outcome": {"exit_code": 0, "notices": []}, "files": {"small-screens-again.pdf": b"%PDF-1.7"}}
    outcome = build_one(str(root / "content" / "small-screens-again"), str(tmp_path), editions=("epub",),
                        build=partial(cluster.prove_reply, reply))
    assert outcome.failed
    assert "missing: small-screens-again.epub; not asked for: small-screens-again.pdf" in outcome.message
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ what is refused

def stale_octavo(root: Path) -> Path:
    """A copy of the Octavo under test with one module changed: a worker machine not updated."""
    shutil.copytree(SRC / "octavo", root / "octavo", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(octavo.resources.default_templates(), root / "octavo" / "templates")
    with open(root / "octavo" / "catalog.py", "a", encoding="utf-8") as module:
        module.write("\n# an older Octavo\n")
    return root


def fewer_fonts(root: Path) -> Path:
    """A fontconfig configuration with Noto's TrueType fonts only: no CJK, no DejaVu."""
    (root / "cache").mkdir(parents=True)
    conf = root / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>'
                    f"<dir>/usr/share/fonts/truetype/noto</dir><cachedir>{root / 'cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    return conf


def test_workers_with_other_code_or_other_fonts_are_refused_by_name(builds, tmp_path):
    root, _, _ = builds
    other = Cluster(tmp_path / "other")
    try:
        other.add_worker("stale", {"PYTHONPATH": str(stale_octavo(tmp_path / "stale"))})
        other.add_worker("fonts", {"FONTCONFIG_FILE": str(fewer_fonts(tmp_path / "fonts"))})
        workers = other.workers(2)
        run = octavo_build(root, "content/small-screens", "--out", str(tmp_path / "out"), "--scheduler",
                           other.address, timeout=300)
    finally:
        other.stop()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "2 Dask workers would not build what this machine builds; nothing was sent" in run.stderr
    stale = next(line for line in run.stderr.splitlines() if workers["stale"] in line)
    assert f"worker {workers['stale']} ('stale', host {socket.gethostname()}): Octavo's code differs: catalog.py" \
        in stale and "font" not in stale
    fonts = next(line for line in run.stderr.splitlines() if workers["fonts"] in line)
    assert "the font 'Noto Sans CJK SC' differs: not installed there, NotoSansCJK" in fonts
    assert "code" not in fonts
    assert "hint: install the same Octavo commit on every worker machine with 'make'" in run.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


class Replied:
    """A finished Dask future, as settle() reads it."""

    def __init__(self, reply):
        self.reply = reply

    def result(self):
        return self.reply


def test_a_worker_that_joined_after_the_check_is_refused_by_its_reply(builds, tmp_path):
    root, _, _ = builds
    here = cluster.identity(("Noto Serif",))
    theirs = {**here, "code": {**here["code"], "layout.py": "0" * 64}, "host": "late-joiner"}
    assert cluster.differences(here, here) == []
    assert cluster.differences(here, theirs) == ["Octavo's code differs: layout.py"]
    right = (root / "local" / "small-screens-again.epub").read_bytes()
    reply = {"outcome": {"exit_code": 0, "notices": [], "seconds": 1.0}, "identity": theirs,
             "worker": "tcp://10.0.0.9:4000", "files": {"small-screens-again.epub": right}}
    outcome = cluster.settle(Replied(reply), root / "content" / "small-screens-again", tmp_path, None, ("epub",),
                             "first build", False, here)
    assert (outcome.status, outcome.exit_code) == ("refused", 1)
    assert outcome.message.startswith("built by worker tcp://10.0.0.9:4000 (host late-joiner), which does not "
                                      "build what this machine builds: Octavo's code differs: layout.py")
    assert list(tmp_path.iterdir()) == []


def test_what_differs_is_named_for_each_kind():
    here = {"host": "a", "octavo": "0.1.0", "code": {"build.py": "1"}, "templates": {"print/print.css": "1"},
            "packages": {"weasyprint": "70.0"}, "libraries": {"pango": "1.56.3", "zlib": "1.3.1"},
            "fonts": {"Noto Serif": ["NotoSerif-Regular.ttf|Regular|131334"],
                      "serif": ["NotoSerif-Regular.ttf|Regular|131334"]}}
    there = {"host": "b", "octavo": "0.2.0", "code": {"build.py": "2"}, "templates": {"print/print.css": "2"},
             "packages": {"weasyprint": "68.1"}, "libraries": {"pango": "1.50.0", "zlib": "1.3.1"},
             "fonts": {"Noto Serif": [], "serif": ["DejaVuSerif.ttf|Book|131072"]}}
    assert cluster.differences(here, there) == [
        "Octavo 0.2.0 there, 0.1.0 here", "Octavo's code differs: build.py",
        "Octavo's templates differ: print/print.css",
        "weasyprint 68.1 there, 70.0 here", "pango 1.50.0 there, 1.56.3 here",
        "the font 'Noto Serif' differs: not installed there, NotoSerif-Regular.ttf (version 2.004) here",
        "the font 'serif' differs: DejaVuSerif.ttf (version 2.000) there, NotoSerif-Regular.ttf (version 2.004) here"]


def test_a_worker_says_what_it_runs_not_what_is_on_its_disk_now(monkeypatch):
    first = cluster.identity(("serif",))["code"]
    monkeypatch.setattr(cluster, "code_digests", lambda: {"build.py": "updated on disk since"})
    assert cluster.identity(("serif",))["code"] == first  # the modules this process imported


def test_the_parcel_holds_the_publication_the_house_and_the_options_and_nothing_of_build(builds, monkeypatch):
    root, _, _ = builds
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    folder = root / "content" / "grid-resilience"
    sent = cluster.parcel(folder, None, ("epub",), True, ("serif",))
    expected = {f"grid-resilience/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()}
    assert set(sent["files"]) == expected | {"publisher.yaml"}
    image = "images/storage-chart.png"
    assert sent["files"][f"grid-resilience/{image}"] == (folder / image).read_bytes()
    assert (sent["templates"], sent["editions"], sent["strict"]) == (None, ("epub",), True)
    assert sent["environment"] == {"SOURCE_DATE_EPOCH": "1700000000"}


def test_a_worker_process_builds_one_title_at_a_time_whatever_its_threads(monkeypatch):
    import threading
    running, most = [], []

    def slow_build(folder, *args):
        running.append(folder)
        most.append(len(running))
        time.sleep(0.2)
        running.remove(folder)
        return cluster.Outcome(Path(folder).name, folder, "built")

    monkeypatch.setattr(cluster, "build_one", slow_build)
    monkeypatch.setattr(cluster, "cached_identity", lambda families: {})
    parcels = [{"slug": f"p{n}", "files": {f"p{n}/publication.yaml": b"title: x\n"}, "templates": None,
                "editions": None, "strict": False, "families": (), "environment": {}} for n in range(3)]
    threads = [threading.Thread(target=cluster.build_remote, args=(p,)) for p in parcels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1, 1, 1]


# ------------------------------------------------------------------ other templates

def test_other_templates_travel_with_the_title_and_a_worker_only_error_reads_as_here(builds, dask_cluster, tmp_path):
    root, _, _ = builds
    marked = shutil.copytree(octavo.resources.default_templates(), tmp_path / "marked")
    with open(marked / "epub" / "epub.css", "a", encoding="utf-8") as css:
        css.write("\n/* the house's change of style, 2026 */\n")
    run = octavo_build(root, "content/grid-resilience", "--edition", "epub", "--templates", str(marked),
                       "--out", str(tmp_path / "marked-out"), "--scheduler", dask_cluster.address)
    assert run.returncode == 0, run.stdout + run.stderr
    import zipfile
    with zipfile.ZipFile(tmp_path / "marked-out" / "grid-resilience.epub") as epub:
        css = next(name for name in epub.namelist() if name.endswith("epub.css"))
        assert "the house's change of style, 2026" in epub.read(css).decode()

    # A template the client never reads (the EPUB's section page): its error is met on the worker only.
    broken = shutil.copytree(octavo.resources.default_templates(), tmp_path / "broken")
    edit(broken / "epub" / "section.xhtml", "{% block content %}", "{% block content %}{% if %}")
    runs = [octavo_build(root, "content/grid-resilience", "--edition", "epub", "--templates", str(broken),
                         "--out", str(tmp_path / where), *extra)
            for where, extra in (("here", ["--jobs", "1"]), ("there", ["--scheduler", dask_cluster.address]))]
    errors = [[line for line in run.stderr.splitlines() if line.startswith("error:")] for run in runs]
    assert [run.returncode for run in runs] == [3, 3], runs[1].stderr
    assert errors[1] == errors[0]
    assert f"{broken / 'epub' / 'section.xhtml'}:3: template syntax error" in errors[1][0]
    assert "octavo-remote-" not in runs[1].stderr and "\x00" not in runs[1].stderr


# ------------------------------------------------------------------ stopped

def cluster_build_running(root: Path, out: Path, cluster) -> subprocess.Popen:
    """`octavo build content/small-screens --scheduler …` started in the background, its output piped."""
    return subprocess.Popen([sys.executable, "-m", "octavo.cli", "build", "content/small-screens", "--out",
                             str(out), "--scheduler", cluster.address],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(SRC)})


def test_a_cluster_build_stopped_by_sigterm_publishes_nothing_half_built(builds, dask_cluster, tmp_path):
    from distributed import Client

    root, _, _ = builds
    build = cluster_build_running(root, tmp_path / "out", dask_cluster)
    try:
        with Client(dask_cluster.address, timeout=30, set_as_default=False) as client:
            wait_for_a_task(client, build)
            build.send_signal(signal.SIGTERM)
            stdout, stderr = build.communicate(timeout=120)
            deadline = time.monotonic() + 30  # the client cancelled its task: the scheduler holds none of it
            while octavo_tasks(client) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert octavo_tasks(client) == []
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == 143, stdout + stderr
    assert "terminated: no edition in" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists() or not [p for p in (tmp_path / "out").iterdir()
                                                     if not p.name.startswith(".")]


def octavo_tasks(client) -> list[str]:
    return [key for keys in client.processing().values() for key in keys if str(key).startswith("octavo-build")]


def wait_for_a_task(client, build) -> str:
    """The address of the worker the build's task was given to, once it has one."""
    deadline = time.monotonic() + 120
    while not any(client.processing().values()):
        assert build.poll() is None and time.monotonic() < deadline, build.communicate()
        time.sleep(0.05)
    return next(address for address, keys in client.processing().items() if keys)


def test_a_scheduler_without_octavo_is_a_clear_error(builds, tmp_path):
    root, _, _ = builds
    fake = tmp_path / "fake" / "octavo"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("# not Octavo\n")
    other = Cluster(tmp_path / "other", {"PYTHONPATH": str(fake.parent)})
    try:
        run = octavo_build(root, "content/small-screens", "--out", str(tmp_path / "out"), "--scheduler",
                           other.address, timeout=300)
    finally:
        other.stop()
    assert run.returncode == 1, run.stdout + run.stderr
    # What the ImportError says depends on how the scheduler's Python finds packages (a fresh
    # editable install finds octavo.cluster beside the impostor and fails on its first import);
    # what the user reads does not.
    assert "cannot read Octavo's tasks (ImportError:" in run.stderr
    assert "hint: start the scheduler from an Octavo installation too" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    shutil.copytree(FIXTURES / "epub-content", tmp_path / "content")
    run = octavo_build(tmp_path, "--scheduler", f"tcp://127.0.0.1:{port}",
                       env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in run.stderr
    assert "hint: is 'dask scheduler' running there" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "build").exists() or not list((tmp_path / "build").iterdir())


def test_a_tls_scheduler_builds_for_a_client_with_the_certificate_and_refuses_one_without(builds, tmp_path):
    # Dask's TLS, as docs/cluster.md advises across networks: one self-signed certificate for
    # 127.0.0.1 is the authority and every side's certificate (openssl comes with ca-certificates).
    from distributed.security import Security

    root, _, _ = builds
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    tls = ["--tls-ca-file", str(cert), "--tls-cert", str(cert), "--tls-key", str(key)]
    secure = Cluster(tmp_path / "secure", tls=tls)
    try:
        secure.add_worker("sealed")
        secure.workers(1, Security(tls_ca_file=str(cert), tls_client_cert=str(cert), tls_client_key=str(key),
                                   require_encryption=True))
        assert secure.address.startswith("tls://127.0.0.1:")
        certificate = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(cert), "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT":
                       str(cert), "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(key)}
        run = octavo_build(root, "content/grid-resilience", "--edition", "epub", "--out", str(tmp_path / "out"),
                           "--scheduler", secure.address, env=certificate, timeout=300)
        stranger = octavo_build(root, "content/grid-resilience", "--edition", "epub", "--out",
                                str(tmp_path / "stranger"), "--scheduler", secure.address,
                                env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}, timeout=300)
    finally:
        secure.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    built = (tmp_path / "out" / "grid-resilience.epub").read_bytes()
    assert built == (root / "local" / "grid-resilience.epub").read_bytes()
    assert stranger.returncode == 1, stranger.stdout + stranger.stderr
    assert f"error: cannot reach the Dask scheduler at {secure.address}: no TLS certificate is configured for this " \
        "client" in stranger.stderr
    assert "hint: give the certificate authority, this client's certificate and its key" in stranger.stderr
    assert "Traceback" not in stranger.stderr and not (tmp_path / "stranger").exists()


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "localhost"], "expected a Dask scheduler's address such as tcp://HOST:8786"),
    (["--scheduler", "tcp://localhost:8786", "--jobs", "2"], "give one or the other"),
])
def test_a_wrong_scheduler_option_is_a_usage_error(args, message, tmp_path, monkeypatch, capsys):
    shutil.copytree(FIXTURES / "epub-content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["build", *args])
    except SystemExit as exit:  # argparse's own usage errors
        code = exit.code
    assert code == 64
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------ a worker lost

def test_a_worker_lost_mid_build_fails_that_title_clearly(builds, dask_cluster, tmp_path):
    from distributed import Client

    root, _, _ = builds
    build = cluster_build_running(root, tmp_path / "out", dask_cluster)
    try:
        with Client(dask_cluster.address, timeout=30, set_as_default=False) as client:
            worker = wait_for_a_task(client, build)
            pid = client.run(os.getpid, workers=[worker])[worker]
            os.kill(pid, signal.SIGKILL)  # the worker process itself; its nanny starts another
        stdout, stderr = build.communicate(timeout=300)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == 1, stdout + stderr
    assert "small-screens: FAILED: worker lost (exit 1)" in stdout
    assert "the Dask worker building it was lost (killed, or out of memory)" in stderr
    assert "nothing of it was published" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out").exists() or not [p for p in (tmp_path / "out").iterdir()
                                                     if not p.name.startswith(".")]
