"""The command line: a thin layer over the pipeline that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import OctavoError, VerificationError

EXIT_USAGE = 64


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.run(args)
    except VerificationError as exc:
        for line in exc.report.lines():
            print(line)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OctavoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="octavo", description="Build and prove the editions of policy papers.")
    parser.add_argument("--version", action="version", version=f"octavo {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

    build = commands.add_parser("build", help="build the PDF and EPUB editions and prove them",
                                description="Build every publication in content/ (or those named) into "
                                            "build/, then check each edition with 'octavo check'.")
    build.add_argument("publications", nargs="*", type=Path, metavar="PUBLICATION",
                       help="a publication folder such as content/breaking-deadlock (default: all of content/)")
    build.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    build.add_argument("--out", type=Path, default=Path("build"), help="where editions are written (default: build)")
    build.add_argument("--templates", type=Path, default=None, help="a templates folder (default: Octavo's own)")
    build.set_defaults(run=_run_build)

    check = commands.add_parser("check", help="prove that built editions carry every disclaimer and attribution",
                                description="Read built editions back and verify every required disclaimer "
                                            "and every contributor's attribution.")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="built .pdf or .epub files")
    check.add_argument("--publication", type=Path, default=None,
                       help="the publication folder the files were built from "
                            "(default: content/<slug>, from the file name)")
    check.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    check.set_defaults(run=_run_check)
    return parser


def _run_build(args) -> int:
    from .build import build_publication
    from .model import publication_folders

    folders = args.publications or publication_folders(args.content)
    if not folders:
        raise OctavoError(f"no publications found in {args.content}/: each needs a folder with a publication.yaml")
    for folder in folders:
        folder = folder if folder.is_dir() or folder.parent != Path(".") else args.content / folder
        started = time.perf_counter()
        result = build_publication(folder, args.out, args.templates)
        seconds = time.perf_counter() - started
        for path in result.outputs:
            print(f"built {path}")
        print(f"{result.publication.slug}: {result.report.summary()} ({seconds:.1f} s)")
    return 0


def _run_check(args) -> int:
    from .model import load_publication
    from .verify import verify

    folder = args.publication or _publication_for(args.files[0], args.content)
    publication = load_publication(folder)
    report = verify(publication, args.files)
    for line in report.lines():
        print(line)
    if not report.ok:
        raise VerificationError(report)
    print(report.summary())
    return 0


def _publication_for(path: Path, content: Path) -> Path:
    slug = path.name.split(".")[0]
    folder = content / slug
    if not (folder / "publication.yaml").is_file():
        raise OctavoError(f"{path}: no publication '{slug}' in {content}/; name it with --publication")
    return folder


if __name__ == "__main__":
    sys.exit(main())
