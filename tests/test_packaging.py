"""Packaging: every package the code imports is declared, and a wheel built from
the repository installs into a fresh venv and builds a new publication from an
empty folder (templates included).

The wheel test installs Octavo's dependencies into its venv from a wheelhouse
(~/.cache/octavo/test-wheelhouse, or $XDG_CACHE_HOME's) with --no-index: no
network once the wheelhouse holds them. When a wheel is missing (the first run
on a machine, or a pin changed), pip fills it from the index and the install
runs again, offline.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from conftest import REPO

SOURCE = REPO / "src" / "octavo"
TEMPLATES = REPO / "templates"
# What the wheel is built from (pyproject.toml's readme, setup.py's packages, the templates).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "src", "templates")
SLUG = "my-paper"
EDITIONS = (f"{SLUG}.pdf", f"{SLUG}.print.pdf", f"{SLUG}.archive.pdf", f"{SLUG}.epub")
PIP_TIMEOUT = 600  # seconds: a hung index fails the test instead of CI


def _imported_names() -> dict[str, Path]:
    """Top-level name of every absolute import in the package (in functions too) -> a file importing it."""
    names: dict[str, Path] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found = [node.module]
            else:
                continue
            for name in found:
                names.setdefault(name.partition(".")[0], path.relative_to(REPO))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _declared() -> set[str]:
    """The distributions octavo's installed metadata requires (extras such as [test] left out)."""
    declared = set()
    for requirement in importlib.metadata.requires("octavo") or []:
        if "extra ==" in requirement.partition(";")[2]:
            continue
        declared.add(_normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group()))
    return declared


def test_every_import_is_declared():
    declared = _declared()
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for name, where in sorted(_imported_names().items()):
        if name in sys.stdlib_module_names or name == "octavo":
            continue
        providers = {_normalise(d) for d in distributions.get(name, [])}
        if not providers:
            missing.append(f"{name} (imported by {where}) is not installed")
        elif not providers & declared:
            missing.append(f"{name} (imported by {where}) comes from {', '.join(sorted(providers))}, "
                           "not declared in pyproject.toml's [project] dependencies")
    assert not missing, "\n".join(missing)  # after editing pyproject.toml: make (reinstalls), then test


def _run(command: list, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=PIP_TIMEOUT, stdin=subprocess.DEVNULL)


def _shown(result: subprocess.CompletedProcess) -> str:
    return f"{' '.join(result.args)}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"


def _wheelhouse() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "octavo" / "test-wheelhouse"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pip_offline_first(command: list, requirements: list, wheelhouse: Path) -> None:
    """A pip command run from the wheelhouse alone; on a miss, the wheelhouse is filled
    with `requirements` and their dependencies from the index, and the command run again."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    offline = [*pip, *command, "--no-index", "--find-links", wheelhouse]
    result = _run(offline)
    if result.returncode:
        filled = _run([*pip, "wheel", "--quiet", "--wheel-dir", wheelhouse, *requirements])
        assert filled.returncode == 0, _shown(filled)
        for ours in wheelhouse.glob("octavo-*.whl"):  # each test run builds its own
            ours.unlink()
        result = _run(offline)
    assert result.returncode == 0, _shown(result)


def _build_wheel(tmp_path: Path, wheelhouse: Path) -> Path:
    """The wheel, built from a copy of the build inputs (setuptools leaves build/ and
    *.egg-info where it builds; in the repository, build/ is where the editions go)."""
    tree = tmp_path / "source"
    for name in BUILD_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            tree.mkdir(exist_ok=True)
            shutil.copy(source, tree / name)
    build_requires = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    dist = tmp_path / "dist"
    _pip_offline_first(["wheel", "--quiet", "--no-deps", "--wheel-dir", dist, tree], build_requires, wheelhouse)
    (wheel,) = dist.glob("octavo-*.whl")
    return wheel


def test_wheel_installs_and_builds(tmp_path):
    wheelhouse = _wheelhouse()
    wheel = _build_wheel(tmp_path, wheelhouse)

    # the wheel carries every module and every template file
    inside = set(zipfile.ZipFile(wheel).namelist())
    assert "octavo/templates/print/print.css" in inside
    for folder, prefix in ((SOURCE, "octavo"), (TEMPLATES, "octavo/templates")):
        expected = {f"{prefix}/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts}
        if folder == SOURCE:
            expected = {name for name in expected if name.endswith(".py")}
        assert not expected - inside, (f"missing from the wheel: {sorted(expected - inside)} "
                                       "(a subpackage needs an __init__.py for setup.py to find it)")

    # a fresh venv, the wheel and its declared dependencies only: no repository on the path
    venv = tmp_path / "venv"
    created = _run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert created.returncode == 0, _shown(created)
    python = venv / "bin" / "python"
    _pip_offline_first(["--python", python, "install", "--quiet", wheel], [wheel], wheelhouse)
    located = _run([python, "-c", "from octavo.resources import default_templates; print(default_templates())"])
    assert located.returncode == 0, _shown(located)
    assert Path(located.stdout.strip()).is_relative_to(venv), "the installed Octavo reads its own templates"

    # an empty folder outside the repository: new, build, check
    work = tmp_path / "empty"
    work.mkdir()
    octavo = venv / "bin" / "octavo"
    outputs = []
    for command in (["new", SLUG], ["build"], ["check", f"build/{SLUG}.pdf", f"build/{SLUG}.epub"]):
        result = _run([octavo, *command], cwd=work)
        assert result.returncode == 0, _shown(result)
        outputs.append(result.stdout)
    assert "created content/publisher.yaml: a starter house file" in outputs[0]
    for name in EDITIONS:
        assert (work / "build" / name).is_file(), name


def test_every_edition_reader_and_writer_takes_what_docs_extending_says():
    """docs/extending.md gives the writer's and reader's signatures: every registry row's functions
    take exactly those parameters, so the recipe a developer follows is the one the build calls."""
    import inspect
    import re

    from octavo.editions import EDITIONS, _function

    docs = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")
    signatures = {kind: re.search(rf"\*\*The {kind}\*\* is called as `{kind}\(([^)]*)\)", docs).group(1)
                  for kind in ("writer", "reader")}
    wanted = {kind: [part.split(":")[0].strip() for part in text.split(",")] for kind, text in signatures.items()}
    assert wanted == {"writer": ["rendering", "target"], "reader": ["path", "page", "anchors"]}
    for edition in EDITIONS.values():
        for kind, spec in (("writer", edition.writer), ("reader", edition.reader)):
            parameters = list(inspect.signature(_function(spec)).parameters)
            assert parameters == wanted[kind], f"{edition.name}'s {kind} {spec} takes {parameters}"


def test_the_fast_tier_leaves_out_what_was_measured_slow():
    """`make test-fast` (pytest --tier fast) collects a file's quick tests and not the one that
    builds the editions, as tests/durations.json measured them (issue 23's test tiers)."""
    import json
    import subprocess
    import sys

    durations = json.loads((REPO / "tests" / "durations.json").read_text(encoding="utf-8"))
    target = "tests/test_attribution_words.py"
    measured = {k: v for k, v in durations["tests"].items() if k.startswith(target)}
    slow = {k for k, v in measured.items() if v >= 1.0}
    assert slow and len(slow) < len(measured), measured
    done = subprocess.run([sys.executable, "-m", "pytest", "--tier", "fast", "--collect-only", "-q",
                           "-p", "no:cacheprovider", target], capture_output=True, text=True, cwd=REPO)
    collected = {line for line in done.stdout.splitlines() if line.startswith(target)}
    assert collected == set(measured) - slow, done.stdout
