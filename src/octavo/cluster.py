"""Past one machine: the catalog's builds on a Dask distributed cluster (`octavo build --scheduler`).

The local process pool (catalog._run) stays the default; with a scheduler's
address, each publication that needs building is sent to the cluster as one
task, and what comes back is proven and published here, as a local build's
editions are:

1. The client connects to the scheduler and asks every worker who it is
   (`identity`: Octavo's version and the digest of each of its modules and
   templates, the versions of its Python dependencies, of Pango and zlib, and
   the font files fontconfig gives for each family the templates name). A worker
   that differs from this machine in any of them would build other bytes,
   so the build is refused before anything is sent, naming each such worker
   and what differs.
2. Each publication goes out as bytes (a `parcel`): its folder's files, the
   house file and the house styles, the templates when --templates names
   others, and SOURCE_DATE_EPOCH. No shared filesystem is assumed.
3. The worker (`build_remote`) lays the files out in a temporary folder,
   builds there as `octavo build` does, and sends back the editions as bytes
   with what the build reported, and its identity again (a worker that joined
   after the check is caught there).
4. The client proves the bytes it received against the publication as it
   reads it here (`prove_reply`): a worker is trusted with the work, not with
   the verdict. A proven edition is published into build/ and stamped; one
   that fails the proof is kept aside as <slug>.rejected.<ext>, as locally.

A content error, or a render error that reading the templates finds, is found
again here by loading the publication, so it reads exactly as a local build's;
an error that only the worker met (a cover that overflows, a crash) comes back
with the worker's temporary paths replaced by this machine's. A worker lost in
the middle of a build (killed, out of memory) fails that publication only,
once Dask has given up on it (distributed.scheduler.allowed-failures).

`distributed` is imported only here, and this module only with --scheduler.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from . import __version__
from .catalog import PUBLICATION_FILE, PUBLISHER_FILE, Outcome, build_one, code_digests, related_publications, tree_files
from .errors import EXIT_FAILED, Location, OctavoError
from .resources import STYLES, default_templates

# The placeholders a worker puts where its own temporary folders stood in a message.
CONTENT_MARK, BUILD_MARK, TEMPLATES_MARK = "\x00content", "\x00build", "\x00templates"
# CSS's generic families: fontconfig resolves each to one font (fc-match), not a family of faces.
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
# What the client sends along in the environment: it changes the editions' bytes (metadata.modified_date).
SENT_ENVIRONMENT = ("SOURCE_DATE_EPOCH",)
WINDOW_PER_THREAD = 2  # parcels in flight per worker thread: enough to keep each busy, not the whole catalog


class ClusterError(OctavoError):
    """The cluster cannot be used: unreachable, without workers, or with workers unlike this machine."""

    exit_code = EXIT_FAILED


def check_address(text: str) -> str:
    """`--scheduler`: tcp://HOST:PORT or tls://HOST:PORT; ValueError otherwise (a usage error)."""
    if not re.fullmatch(r"(tcp|tls)://[^\s/:]+(:\d{1,5})", text.strip()) \
            and not re.fullmatch(r"(tcp|tls)://\[[0-9a-fA-F:.]+\]:\d{1,5}", text.strip()):
        raise ValueError(f"expected a Dask scheduler's address such as tcp://HOST:8786 or tls://HOST:8786, "
                         f"not '{text}'")
    return text.strip()


# ------------------------------------------------------------------ who a worker is

def identity(families: tuple[str, ...]) -> dict:
    """What decides the bytes a machine builds, to compare a worker with the client.

    Run on every worker (Client.run) and here. Host and Python are shown in a
    message but not compared: the same Octavo and fonts build the same bytes."""
    return {"host": socket.gethostname(), "octavo": __version__, "code": _loaded_code(),
            "templates": _template_digests(), "packages": _dependency_versions(),
            "libraries": _library_versions(), "fonts": font_faces(families)}


@functools.lru_cache(maxsize=8)
def cached_identity(families: tuple[str, ...]) -> dict:
    """The identity a worker sends with each build, computed once per worker process (fc-list
    costs some tenths of a second). A new process, after a nanny's restart, computes it anew."""
    return identity(families)


@functools.lru_cache(maxsize=1)
def _loaded_code() -> dict[str, str]:
    """The digests of Octavo's modules as this process runs them: the pipeline is imported first,
    then the files read, once. A worker whose Octavo was updated on disk but not restarted
    still runs the old modules, and says so."""
    from . import build  # noqa: F401  (the pipeline, WeasyPrint and the editions with it)

    return code_digests()


def _template_digests() -> dict[str, str]:
    from .catalog import _tree
    return dict(_tree(Path(default_templates())))


def _dependency_versions() -> dict[str, str]:
    """The installed version of each of Octavo's declared dependencies (WeasyPrint, pydyf, ...)."""
    from importlib import metadata

    try:
        requirements = metadata.requires("octavo") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return {}
    versions = {}
    for requirement in requirements:
        if "extra ==" in requirement:
            continue  # the test extra: not used by a build
        name = re.split(r"[\s;<>=!~\[]", requirement, maxsplit=1)[0]
        try:
            versions[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name.lower()] = "not installed"
    return versions


def _library_versions() -> dict[str, str]:
    """Pango lays out every line WeasyPrint sets; zlib compresses the PDFs and the EPUB."""
    import zlib

    versions = {"zlib": zlib.ZLIB_RUNTIME_VERSION}
    try:
        from .layout import import_weasyprint

        pango = import_weasyprint().text.ffi.pango
        number = pango.pango_version()
        versions["pango"] = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    except Exception:  # WeasyPrint cannot load Pango here: the build would fail and say why
        versions["pango"] = "not found"
    return versions


def font_faces(families: tuple[str, ...]) -> dict[str, list[str]]:
    """For each family, the faces fontconfig gives: "file|style|version", sorted.

    A named family lists all its faces (fc-list: regular, bold, italic, ...);
    a generic one (serif) the single font it resolves to (fc-match). The
    file's name, not its folder: the same Debian package may install to
    another prefix. fontconfig's tools come with Pango (libpango-1.0-0 depends
    on fontconfig)."""
    faces = {}
    for family in families:
        if family in GENERIC_FAMILIES:
            command = ["fc-match", "--format", "%{file}|%{style[0]}|%{fontversion}\n", family]
        else:
            command = ["fc-list", "--format", "%{file}|%{style[0]}|%{fontversion}\n", _pattern(family)]
        try:
            output = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            output = f"fontconfig's {command[0]} failed: {exc}"
        faces[family] = sorted({_face(line) for line in output.splitlines() if line.strip()})
    return faces


def _pattern(family: str) -> str:
    """A family name as a fontconfig pattern: its '-', ':' and ',' would otherwise mean a size, a property, a list."""
    return re.sub(r"([\\:,-])", r"\\\1", family)


def _face(line: str) -> str:
    path, _, rest = line.partition("|")
    return f"{Path(path).name}|{rest}"


def font_families(folders: list[Path]) -> tuple[str, ...]:
    """Every family a font-family declaration names in these folders' CSS and HTML (templates, house styles)."""
    families = set()
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in tree_files(Path(folder)):
            if path.suffix not in (".css", ".html", ".xhtml"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for value in re.findall(r"font-family\s*:\s*([^;}{<]+)", text):
                for name in value.split(","):
                    name = name.strip().strip("\"'").strip()
                    if name and not name.startswith(("{", "var(", "inherit", "initial")) and "!" not in name:
                        families.add(name if name.lower() not in GENERIC_FAMILIES else name.lower())
    return tuple(sorted(families))


def differences(here: dict, there: dict) -> list[str]:
    """What differs between this machine's identity and a worker's, each as a short phrase."""
    found = []
    if here["octavo"] != there.get("octavo"):
        found.append(f"Octavo {there.get('octavo')} there, {here['octavo']} here")
    for key, what in (("code", "Octavo's code differs"), ("templates", "Octavo's templates differ")):
        names = _changed_names(here[key], there.get(key, {}))
        if names:
            found.append(f"{what}: {_some(names)}")
    for key in ("packages", "libraries"):
        for name in _changed_names(here[key], there.get(key, {})):
            found.append(f"{name} {there.get(key, {}).get(name, 'not installed')} there, "
                         f"{here[key].get(name, 'not installed')} here")
    for family in _changed_names(here["fonts"], there.get("fonts", {})):
        found.append(f"the font '{family}' differs: {_faces(there.get('fonts', {}).get(family))} there, "
                     f"{_faces(here['fonts'][family])} here")
    return found


def _changed_names(here: dict, there: dict) -> list[str]:
    return sorted(name for name in here.keys() | there.keys() if here.get(name) != there.get(name))


def _some(names: list[str], shown: int = 4) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _faces(faces: list[str] | None) -> str:
    """A family's faces for a person: "NotoSerif-Regular.ttf (version 2.004) and 3 more", or "not installed"."""
    if not faces:
        return "not installed"
    file, _, rest = faces[0].partition("|")
    version = rest.rpartition("|")[2]
    shown = f"{file} (version {int(version) / 65536:.3f})" if version.isdigit() else file
    return shown + (f" and {len(faces) - 1} more" if len(faces) > 1 else "")


# ------------------------------------------------------------------ the client

def connect(address: str):
    """A Dask client of the scheduler at `address`; a ClusterError (no traceback) when it cannot be reached.

    The connection's time limit is Dask's own (distributed.comm.timeouts.connect,
    30 s unless configured; DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s sets it)."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of Octavo's
        raise ClusterError(f"--scheduler needs Dask's 'distributed' package, which is not installed ({exc})") \
            from None
    if address.startswith("tls://"):
        check_tls_configuration(address)
    try:
        return Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {_first_line(exc)}\n"
            f"    hint: is 'dask scheduler' running there, and this port open to this machine (or tunnelled: "
            f"docs/cluster.md)? A build without --scheduler uses this machine's own processes") from None


def check_tls_configuration(address: str) -> None:
    """A tls:// scheduler needs this client's certificate from Dask's configuration; without it
    Dask fails with a TypeError deep in its connection code."""
    from distributed.security import Security

    try:
        context = Security().get_connection_args("client").get("ssl_context")
    except (OSError, ValueError) as exc:  # a file named in the configuration that cannot be read
        context, problem = None, f" ({_first_line(exc)})"
    else:
        problem = ""
    if context is None:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: no TLS certificate is configured for this client{problem}\n"
            "    hint: give the certificate authority, this client's certificate and its key in Dask's configuration "
            "(DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT, "
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY; docs/cluster.md)") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def checked_workers(client, families: tuple[str, ...], here: dict) -> dict[str, dict]:
    """Every worker's identity, by address; a ClusterError naming each worker that differs from `here`."""
    check_scheduler(client)
    try:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=10)
        identities = client.run(identity, families, on_error="return")
    except (OSError, TimeoutError) as exc:
        address = client.scheduler.address if client.scheduler else "the scheduler"
        raise ClusterError(f"the Dask scheduler at {address} has no worker to build on ({_first_line(exc)})\n"
                           f"    hint: start one on each build machine: dask worker {address} --nthreads 1") \
            from None
    wrong = {address: differences(here, theirs) if isinstance(theirs, dict)
             else [f"it could not say what it runs ({type(theirs).__name__}: {_first_line(theirs)})"]
             for address, theirs in identities.items()}
    wrong = {address: found for address, found in wrong.items() if found}
    if wrong:
        names = {address: info.get("name") for address, info in client.scheduler_info()["workers"].items()}
        raise ClusterError(mismatch_message(wrong, identities, names))
    return identities


def check_scheduler(client) -> None:
    """The scheduler reads each task's function by name (octavo.cluster.build_remote), so it must
    have Octavo installed too; a ClusterError that says so, rather than every build failing."""
    try:
        client.run_on_scheduler(scheduler_ready)
    except Exception as exc:  # whatever the scheduler's unpickling raised, sent back to us
        raise ClusterError(
            f"the Dask scheduler at {client.scheduler.address} cannot read Octavo's tasks "
            f"({type(exc).__name__}: {_first_line(exc)})\n"
            "    hint: start the scheduler from an Octavo installation too, as the workers: "
            ".venv/bin/dask scheduler (docs/cluster.md)") from None


def scheduler_ready() -> bool:
    """Run on the scheduler: that it could import this module is the check."""
    return True


def mismatch_message(wrong: dict[str, list[str]], identities: dict, names: dict | None = None) -> str:
    count = len(wrong)
    lines = [f"{count} Dask worker{'s' if count != 1 else ''} would not build what this machine builds; "
             "nothing was sent:"]
    for address, found in sorted(wrong.items()):
        theirs = identities.get(address)
        about = [f"'{names[address]}'" if (names or {}).get(address) not in (None, address) else "",
                 f"host {theirs['host']}" if isinstance(theirs, dict) else ""]
        about = ", ".join(a for a in about if a)
        lines.append(f"  worker {address}{f' ({about})' if about else ''}: " + "; ".join(found))
    lines.append("    hint: install the same Octavo commit on every worker machine with 'make' (it installs the "
                 "pinned Python packages and the Debian fonts), restart its workers, then build again; "
                 "or stop the workers named")
    return "\n".join(lines)


def run_on_cluster(address: str, pending, out_dir: Path, templates: Path | None, editions, progress,
                   strict: bool = False) -> Iterator[tuple[Outcome, dict | None]]:
    """Yield (outcome, inputs) for each pending (folder, inputs, reason) as the cluster builds it.

    Proven and published here, as each arrives (`settle`). At most a few
    parcels per worker thread are in flight, so a catalog of thousands is not
    all held in memory at once, here or on the scheduler."""
    if not pending:
        return
    from distributed import as_completed

    client = connect(address)
    futures: dict = {}
    try:
        here_folders = [Path(templates or default_templates()), *{Path(f).parent / STYLES for f, _, _ in pending}]
        families = font_families(here_folders)
        here = identity(families)
        workers = checked_workers(client, families, here)
        threads = sum(info.get("nthreads", 1) for info in client.scheduler_info()["workers"].values())
        queue = iter(pending)
        running = as_completed(loop=client.loop)

        def submit_next() -> None:
            item = next(queue, None)
            if item is not None:
                folder, _, _ = item
                future = client.submit(build_remote, parcel(folder, templates, editions, strict, families),
                                       key=f"octavo-build-{folder.name}-{os.urandom(4).hex()}", pure=False)
                futures[future] = item
                running.add(future)

        for _ in range(max(2, WINDOW_PER_THREAD * max(threads, 1))):
            submit_next()
        progress.started(f"{len(workers)} Dask worker{'s' if len(workers) != 1 else ''}")
        for future in running:
            folder, entries, reason = futures.pop(future)
            submit_next()  # before proving: the workers stay busy while this machine proves
            outcome = settle(future, folder, out_dir, templates, editions, reason, strict, here)
            future.release()
            yield outcome, entries
    except BaseException:
        # Interrupted, or the scheduler refused: the workers build into their own temporary
        # folders, so nothing of theirs reaches build/ once this process stops taking their bytes.
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)


def settle(future, folder: Path, out_dir: Path, templates, editions, reason: str, strict: bool,
           here: dict) -> Outcome:
    """A worker's reply, proven and published here: the publication's Outcome, as build_one gives it."""
    from distributed import KilledWorker

    try:
        reply = future.result()
    except KilledWorker as exc:
        return Outcome(folder.name, str(folder), "worker lost", EXIT_FAILED,
                       message=f"the Dask worker building it was lost (killed, or out of memory) and Dask gave "
                               f"up on it: {_first_line(exc)}; nothing of it was published")
    except Exception as exc:  # the scheduler went away, or the task was cancelled
        return Outcome(folder.name, str(folder), "worker lost", EXIT_FAILED,
                       message=f"the build on the Dask cluster did not come back ({type(exc).__name__}: "
                               f"{_first_line(exc)}); nothing of it was published")
    found = differences(here, reply["identity"])
    if found:
        return Outcome(folder.name, str(folder), "refused", EXIT_FAILED,
                       message=f"built by worker {reply['worker']} (host {reply['identity'].get('host')}), which "
                               f"does not build what this machine builds: {'; '.join(found)}; nothing of it "
                               "was published")
    remote = Outcome(**reply["outcome"])
    outcome = build_one(str(folder), str(out_dir), str(templates) if templates else None, editions, reason,
                        strict, build=functools.partial(prove_reply, reply))
    outcome.seconds += remote.seconds  # the worker's build and this machine's proof
    return outcome


class WorkerError(OctavoError):
    """An error met only on the worker (the content loaded here): its message and exit code, as sent."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def prove_reply(reply: dict, folder: Path, out_dir: Path, templates: Path | None = None,
                strict: bool = False, editions: tuple[str, ...] | None = None):
    """build.build_publication for bytes built elsewhere: load and render the publication here, prove
    the editions received against it, publish those proven (or keep them as rejected). Its result
    and errors are build_publication's, so that build_one reports it as a local build."""
    from .build import BuildResult, edition_names, rejected
    from .editions import EDITIONS, with_followers
    from .errors import VerificationError
    from .model import load_publication
    from .render import Rendering
    from .validate import strict_errors
    from .verify import verify
    from .write import publish, temporary_beside

    if editions is not None:
        editions = edition_names(editions)
    publication = load_publication(folder)  # a content error is raised here, worded as a local build's
    strict_errors(publication.warnings, strict)
    rendering = Rendering(publication, templates)  # so is a render error in the templates
    remote = reply["outcome"]
    if remote["exit_code"] and not reply["files"]:
        raise WorkerError(shown_here(remote["message"], folder, out_dir, templates), remote["exit_code"])
    names = with_followers(editions or publication.editions)
    finals = {name: Path(out_dir) / EDITIONS[name].filename(publication.slug) for name in names}
    received = received_editions(reply["files"], finals.values(), publication.slug, rejected)
    with contextlib.ExitStack() as stack:
        built = {}
        for name, final in finals.items():
            temporary = stack.enter_context(temporary_beside(final))
            temporary.write_bytes(received[final])
            built[name] = temporary
        report = verify(rendering.document, {path: finals[name] for name, path in built.items()})
        if not report.ok:
            for name, path in built.items():
                publish(path, rejected(finals[name], publication.slug))
            raise VerificationError(report)
        for name, path in built.items():
            publish(path, finals[name])
            rejected(finals[name], publication.slug).unlink(missing_ok=True)
    return BuildResult(publication, list(finals.values()), report, rendering.document, rendering.record,
                       tuple(remote.get("notices", ())))


def received_editions(files: dict[str, bytes], finals, slug: str, rejected) -> dict[Path, bytes]:
    """Each expected edition's bytes, whether the worker published it or (its own proof failing)
    kept it as rejected; an OctavoError when the worker sent other files than those asked for."""
    received, expected = {}, set()
    for final in finals:
        for name in (final.name, rejected(final, slug).name):
            expected.add(name)
            if name in files:
                received[final] = files[name]
    missing = sorted(final.name for final in finals if final not in received)
    strangers = sorted(set(files) - expected)
    if missing or strangers:
        raise OctavoError(f"the Dask worker sent other files than the editions asked for "
                          f"(missing: {', '.join(missing) or 'none'}; not asked for: {', '.join(strangers) or 'none'})"
                          "; nothing of it was published")
    return received


def shown_here(message: str, folder: Path, out_dir: Path, templates: Path | None) -> str:
    """A worker's message with its temporary folders replaced by this machine's, as a local build shows them."""
    for mark, path in ((CONTENT_MARK, Path(folder).parent), (BUILD_MARK, Path(out_dir)),
                       (TEMPLATES_MARK, Path(templates or default_templates()))):
        shown = str(Location(path))
        message = message.replace(mark + "/", "" if shown == "." else shown + "/").replace(mark, shown)
    return message


# ------------------------------------------------------------------ what goes over the wire

def parcel(folder: Path, templates: Path | None, editions, strict: bool, families: tuple[str, ...]) -> dict:
    """One publication's build as plain data: its files as bytes, named inside content/.

    The folder's files, the house file, the publication.yaml of its original and of its
    translations, and the house styles (content/styles/): what a
    build may read of the content (catalog.inputs hashes the same); the templates'
    files when they are not Octavo's own; the build's options; the environment that
    changes the bytes."""
    folder = Path(folder)
    content = folder.parent
    files = {f"{folder.name}/{path.relative_to(folder).as_posix()}": path.read_bytes()
             for path in tree_files(folder)}
    if (content / PUBLISHER_FILE).is_file():
        files[PUBLISHER_FILE] = (content / PUBLISHER_FILE).read_bytes()
    for path in related_publications(folder):  # an original, its translations (catalog.inputs: "related:")
        files[f"{path.parent.name}/{PUBLICATION_FILE}"] = path.read_bytes()
    if (content / STYLES).is_dir():
        files.update((f"{STYLES}/{path.relative_to(content / STYLES).as_posix()}", path.read_bytes())
                     for path in tree_files(content / STYLES))
    template_files = None
    if templates:
        template_files = {path.relative_to(templates).as_posix(): path.read_bytes()
                          for path in tree_files(Path(templates))}
    return {"slug": folder.name, "files": files, "templates": template_files,
            "editions": tuple(editions) if editions else None, "strict": strict, "families": families,
            "environment": {name: os.environ.get(name) for name in SENT_ENVIRONMENT}}


# ------------------------------------------------------------------ the worker

# One build at a time in a worker process, however many threads it runs: pypdfium2 (the
# proof) is not thread-safe, and SOURCE_DATE_EPOCH is set for the build in os.environ.
_BUILDING = threading.Lock()


def build_remote(parcel: dict) -> dict:
    """On a worker: build one parcel in a temporary folder; the editions as bytes, with the Outcome."""
    started = time.perf_counter()
    with _BUILDING, tempfile.TemporaryDirectory(prefix="octavo-remote-") as temporary:
        root = Path(temporary)
        content, out = root / "content", root / "build"
        templates = root / "templates" if parcel["templates"] is not None else None
        try:
            lay_out(content, parcel["files"])
            if templates:
                lay_out(templates, parcel["templates"])
            with _environment(parcel["environment"]):
                outcome = build_one(str(content / parcel["slug"]), str(out), str(templates) if templates else None,
                                    parcel["editions"], "", parcel["strict"])
            files = {path.name: path.read_bytes() for path in sorted(out.glob("*"))
                     if path.is_file() and not path.name.startswith(".")} if out.is_dir() else {}
        except Exception:  # a bug, or this worker's disk: reported for this publication, the others go on
            outcome = Outcome(parcel["slug"], "", "crashed", EXIT_FAILED,
                              message="Octavo crashed on the Dask worker (a bug):\n" + traceback.format_exc())
            files = {}
        outcome.message = _marked(outcome.message, content, out, templates)
        outcome.report_lines = [_marked(line, content, out, templates) for line in outcome.report_lines]
        outcome.seconds = time.perf_counter() - started
        kept = {f.name: getattr(outcome, f.name) for f in fields(Outcome)}
        kept.update(folder="", outputs=[], read={})  # this worker's paths and digests mean nothing to the client
        return {"outcome": kept, "files": files, "identity": cached_identity(parcel["families"]),
                "worker": _worker_address()}


def lay_out(root: Path, files: dict[str, bytes]) -> None:
    """Write the parcel's files under root; a name that would leave root is refused."""
    for name, data in files.items():
        path = root / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"a parcel's file name leaves its folder: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@contextlib.contextmanager
def _environment(values: dict[str, str | None]):
    """The client's values of SENT_ENVIRONMENT for the build (unset where the client has none)."""
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield
    finally:
        for name, value in before.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _marked(text: str, content: Path, out: Path, templates: Path | None) -> str:
    """Put placeholders where this worker's temporary folders stand in a message (shown_here undoes it)."""
    for path, mark in ((content, CONTENT_MARK), (out, BUILD_MARK), (templates, TEMPLATES_MARK)):
        if path is None:
            continue
        for form in sorted({str(path), str(path.resolve()), str(Location(path))}, key=len, reverse=True):
            text = text.replace(form, mark)
    return text


def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "(not a Dask worker)"
