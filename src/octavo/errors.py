"""The small exception hierarchy that the CLI turns into one clean message.

Every error a user can cause is an OctavoError; anything else is a bug in
Octavo and is allowed to show a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Every exit code Octavo gives, in one place: the CLI, the catalog and the
# archive read them from here (sysexits.h's EX_USAGE for a wrong command line).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONTENT = 2
EXIT_RENDER = 3
EXIT_PROOF = 4
EXIT_MIXED = 5  # publications failed for different reasons: the summary says which
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


@dataclass(frozen=True)
class Location:
    """Where in the content a problem is: a file and, where known, a line."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        shown = _relative(self.path)
        return f"{shown}:{self.line}" if self.line else str(shown)


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class OctavoError(Exception):
    """Base class: the message is meant for the user, not the developer."""

    exit_code = EXIT_FAILED


class UsageError(OctavoError):
    """An option or an environment variable the command cannot use: a usage error (64)."""

    exit_code = EXIT_USAGE


class ContentError(OctavoError):
    """The content files are wrong; carries every problem found, not just the first."""

    exit_code = EXIT_CONTENT

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the content:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class RenderError(OctavoError):
    """A template or the renderer failed on content that passed validation."""

    exit_code = EXIT_RENDER


class VerificationError(OctavoError):
    """A built edition lacks a required disclaimer or attribution."""

    exit_code = EXIT_PROOF

    def __init__(self, report, kept: tuple[Path, ...] = ()):
        self.report = report
        self.kept = tuple(kept)  # the editions set aside as <slug>.rejected.<ext>, to open and inspect
        shown = ", ".join(str(_relative(Path(p))) for p in self.kept)
        super().__init__(report.summary() + (f"; kept aside to inspect, never published: {shown}" if shown else ""))


def os_error_message(exc: OSError) -> str:
    """An OSError as one line for a person: the path, then the cause ("No space left on device")."""
    names = [str(_relative(Path(n))) for n in (exc.filename, exc.filename2) if n]
    cause = exc.strerror or str(exc)
    return f"{' -> '.join(names)}: {cause}" if names else cause


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a loop of links that cannot be resolved
        return path
