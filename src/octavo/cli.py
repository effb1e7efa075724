"""The command line: a thin layer over the pipeline that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import difflib
import signal
import sys
import time
from pathlib import Path

from . import __version__
from .editions import EDITIONS
from .errors import (EXIT_CONTENT, EXIT_INTERRUPTED, EXIT_OK, EXIT_RENDER, EXIT_TERMINATED, EXIT_USAGE,
                     OctavoError, UsageError, VerificationError, os_error_message)


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
    except OSError as exc:  # a disk that fails under us (full, read-only, a file where a folder should be)
        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_RENDER
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return EXIT_INTERRUPTED


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error, which is our content-error code: use 64 (EX_USAGE)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="octavo", description="Build and prove the editions of policy papers.")
    parser.add_argument("--version", action="version", version=f"octavo {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

    build = commands.add_parser(
        "build", help="build every edition (PDFs, EPUB, web page) and prove each",
        description="Build every publication in content/ (or those named) into build/, in parallel, and "
                    "prove each edition as 'octavo check' does. A publication whose sources, templates "
                    "and Octavo are unchanged since its last proven build is not rebuilt. Exit codes: "
                    "0 all good, 2 content error, 3 render error, 4 proof failed, 5 publications failed "
                    "for different reasons (the summary names each), 64 usage.")
    build.add_argument("publications", nargs="*", type=Path, metavar="PUBLICATION",
                       help="a publication folder such as content/breaking-deadlock (default: all of content/)")
    build.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    build.add_argument("--out", type=Path, default=Path("build"), help="where editions are written (default: build)")
    build.add_argument("--templates", type=Path, default=None, help="a templates folder (default: Octavo's own)")
    build.add_argument("--force", action="store_true", help="rebuild even what has not changed")
    build.add_argument("--strict", action="store_true",
                       help="treat the content's warnings as errors (as 'octavo validate --strict')")
    build.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                       help="worker processes (default: one per CPU, at most one per publication)")
    build.add_argument("--scheduler", type=_scheduler, default=None, metavar="tcp://HOST:8786",
                       help="build on this Dask cluster's workers instead of this machine's processes; this "
                            "machine sends each publication's files, proves and publishes what comes back "
                            "(docs/cluster.md). Every worker must run the same Octavo with the same fonts")
    build.add_argument("--edition", type=_editions, default=None, metavar="NAMES",
                       help="the editions to build, comma-separated: "
                            + "; ".join(f"{e.name} ({e.summary}, <slug>{e.suffix})" for e in EDITIONS.values())
                            + " (default: those the publication's 'editions:' field names, else all)")
    build.set_defaults(run=_run_build)

    check = commands.add_parser("check", help="prove that built editions carry every disclaimer and attribution",
                                description="Read built editions back and verify every required disclaimer "
                                            "and every contributor's attribution.")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE",
                       help="built editions: " + ", ".join(f"<slug>{e.suffix}" for e in EDITIONS.values()))
    check.add_argument("--publication", type=Path, default=None,
                       help="the publication folder the files were built from "
                            "(default: content/<slug>, from the file name)")
    check.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    check.add_argument("--retail", action="store_true",
                       help="instead of the proof, check EPUBs against what Amazon (KDP, Send to Kindle), Kobo "
                            "and Apple Books ask of the file: cover, identifiers, language, navigation, no "
                            "scripts, file names, sizes; prints one table per EPUB, exit code 4 if any fails")
    check.set_defaults(run=_run_check)

    archive = commands.add_parser(
        "archive", help="bag every edition with its sources for an archive (BagIt), or verify a bag",
        description="Build and prove every edition of each publication named (default: all of content/) and "
                    "write build/<slug>.bag/: a BagIt bag (RFC 8493) holding the editions, the source files, "
                    "a Dublin Core record, the distribution metadata and SHA-256 checksums. The distribution "
                    "metadata is also written to build/: <slug>.onix.xml (ONIX 3.0, for retailers), "
                    "<slug>.marc.xml (MARC 21, for library catalogues) and <slug>.crossref.xml (the DOI's "
                    "Crossref deposit), each where the identifiers it needs are given. With --verify, "
                    "validate a bag instead: "
                    "exit code 0 if every file is present and unchanged, 4 otherwise.")
    _keeping_arguments(archive, "bags are written", "bag")
    archive.add_argument("--force", action="store_true",
                         help="make every bag again, even one already made from the same content, templates and Octavo")
    archive.add_argument("--verify", type=Path, default=None, metavar="BAG",
                         help="validate this bag, or an OCFL object of released versions (<slug>.ocfl), and build nothing")
    archive.set_defaults(run=_run_archive)
    release = commands.add_parser(
        "release", help="keep the version built and proven now for good, in an OCFL object (build/<slug>.ocfl)",
        description="Build and prove every edition of each publication named (default: all of content/) and "
                    "add it, with its sources and metadata, to build/<slug>.ocfl/ as the version publication.yaml's "
                    "'version:' says: an OCFL 1.1 object whose versions are never rewritten. A version already "
                    "released is rebuilt and compared: the same bytes, or exit code 4 naming each file that "
                    "differs. Verify the object with 'octavo archive --verify build/<slug>.ocfl'.")
    _keeping_arguments(release, "the objects are kept", "release")
    release.add_argument("--no-notice", action="store_true",
                         help="release a change no correction names (a typo the house does not record)")
    release.set_defaults(run=_run_release)
    diff = commands.add_parser(
        "diff", help="what changed between two versions, block by block: text, and build/<slug>.diff-A-B.html",
        description="Compare two versions of a publication as its editions show them, block by block (paragraphs, "
                    "headings, list items, cells, notes, captions), section by section: each block added, removed "
                    "or changed, with its file and line and the words that changed. A version is a number released "
                    "in build/<slug>.ocfl ('octavo release'), or 'content' for the content folder as it is now. "
                    "Prints the changes and writes them as a web page, build/<slug>.diff-A-B.html.")
    diff.add_argument("publication", type=Path, metavar="PUBLICATION", help="a publication folder or slug")
    diff.add_argument("old", metavar="A", help="a released version's number, or 'content'")
    diff.add_argument("new", metavar="B", help="a released version's number, or 'content'")
    diff.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    diff.add_argument("--out", type=Path, default=Path("build"), help="where the objects are kept (default: build)")
    diff.set_defaults(run=_run_diff)
    _authoring_commands(commands)
    return parser


def _keeping_arguments(command, kept: str, verb: str) -> None:
    """What `archive` and `release` both take: the publications, and where they read and write."""
    command.add_argument("publications", nargs="*", type=Path, metavar="PUBLICATION",
                         help="a publication folder or slug (default: all of content/)")
    command.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    command.add_argument("--out", type=Path, default=Path("build"), help=f"where {kept} (default: build)")
    command.add_argument("--templates", type=Path, default=None, help="a templates folder (default: Octavo's own)")
    command.add_argument("--strict", action="store_true",
                         help=f"treat the content's warnings as errors and {verb} nothing (as 'octavo build --strict')")


def _authoring_commands(commands) -> None:
    """validate, new, schema, preview: the author's commands, none of which renders an edition."""
    validate = commands.add_parser("validate", help="check all content without rendering; report every problem",
                                   description="Load every publication (or those named) and report every error "
                                               "and warning at once, each with its file and line.")
    validate.add_argument("publications", nargs="*", type=Path, metavar="PUBLICATION",
                          help="a publication folder or slug (default: all of content/)")
    validate.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 2)")
    validate.set_defaults(run=_run_validate)

    new = commands.add_parser("new", help="start a publication: commented YAML and one section",
                              description="Create content/<slug>/ with a commented publication.yaml and one "
                                          "section, both linked to the JSON Schemas so editors complete fields.")
    new.add_argument("slug", help="the publication's slug: lower-case letters, digits, hyphens")
    new.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    new.set_defaults(run=_run_new)

    schema = commands.add_parser("schema", help="write the JSON Schemas of the content files",
                                 description="Write the JSON Schemas (generated from the model) into "
                                             "content/.schema/, or print one with --print.")
    schema.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    schema.add_argument("--print", dest="kind", choices=("publisher", "publication", "section"),
                        help="print this schema to standard output instead of writing the files")
    schema.set_defaults(run=_run_schema)

    preview = commands.add_parser("preview", help="serve the print layout on localhost, reloading on save",
                                  description="Serve a publication's print HTML on http://127.0.0.1 and reload "
                                              "the page whenever its files or the templates change.")
    preview.add_argument("slug", nargs="?", help="the publication (default: the only one in content/)")
    preview.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    preview.add_argument("--templates", type=Path, default=None, help="a templates folder (default: Octavo's own)")
    preview.add_argument("--port", default=8000, help="the port (default: 8000; 0 picks a free one)",
                         # 0-65535 only; the check lives in preview.py, imported only when --port is given
                         type=lambda text: __import__("octavo.preview", fromlist=["_"]).port_number(text))
    preview.set_defaults(run=_run_preview)

    word = commands.add_parser(
        "import", help="turn a Word document (.docx) into a content folder",
        description="Write content/<slug>/ from a Word document: publication.yaml (the title, and the authors "
                    "from the document's properties, with a TODO for each one's affiliations), one section "
                    "per Heading 1 with its footnotes and endnotes, and the images, with their alt text. "
                    "Tracked changes and comments are never accepted silently: the import lists them and "
                    "writes nothing, unless --accept-changes or --reject-changes is given (comments are then "
                    "left out, and listed). It then validates the folder, as 'octavo validate' does. "
                    "Exit codes: 0 imported and valid, 2 a content error (or the imported folder does not "
                    "validate yet: the errors say what to fix), 64 usage.")
    word.add_argument("docx", type=Path, metavar="DOCX", help="the Word document (.docx)")
    word.add_argument("--slug", default=None,
                      help="the publication's slug (default: from the file name, e.g. paper.docx -> paper)")
    word.add_argument("--title", default=None,
                      help="the title (default: the document's Title paragraph, else its title property, "
                           "else its first Heading 1)")
    word.add_argument("--content", type=Path, default=Path("content"), help="the content folder (default: content)")
    word.add_argument("--force", action="store_true", help="replace content/<slug>/ if it exists")
    word.add_argument("--accept-loss", action="append", metavar="WORDS",
                      help="import although the import loses, joins, splits or changes these words (as the "
                           "error names them; may be given more than once): the loss is listed, to mend by hand")
    decision = word.add_mutually_exclusive_group()
    decision.add_argument("--accept-changes", dest="changes", action="store_const", const="accept",
                          help="accept every tracked change (the text as Word shows it); comments are left out")
    decision.add_argument("--reject-changes", dest="changes", action="store_const", const="reject",
                          help="reject every tracked change (the text as it was); comments are left out")
    word.set_defaults(run=_run_import)


def _run_build(args) -> int:
    # Only the catalog at first: it decides what needs rendering, and the
    # pipeline (and WeasyPrint) is imported only by what builds (catalog.py).
    from .catalog import Progress, build_catalog, exit_code, find_publications, report_failures, summary

    from .parallel import worker_memory

    worker_memory()  # a limit that is no size is refused before anything is built, whatever --jobs says
    folders = args.publications or find_publications(args.content)
    if not folders:
        raise OctavoError(f"no publications found in {args.content}/: each needs a folder with a publication.yaml")
    folders = [_folder(f, args.content) for f in folders]
    if args.scheduler and args.jobs:
        raise _UsageError("--jobs sets this machine's worker processes; with --scheduler the cluster's "
                         "workers build: give one or the other")
    editions = args.edition  # --edition print,screen, checked by _editions
    started = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        outcomes = build_catalog(folders, args.out, args.templates, editions=editions, jobs=args.jobs,
                                 force=args.force, progress=Progress(len(folders), sys.stdout),
                                 strict=args.strict, scheduler=args.scheduler)
    except (KeyboardInterrupt, Terminated) as stop:
        # The workers are stopped (catalog._run); editions reach build/ whole or not at all
        # (write.py), but those proven before the signal may have been published.
        print(f"\n{'terminated' if isinstance(stop, Terminated) else 'interrupted'}: no edition in "
              f"{args.out}/ is half-written; editions proven before it may have been published; "
              "run 'octavo build' again to finish", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    report_failures(outcomes, sys.stdout, sys.stderr)
    for line in summary(outcomes, time.perf_counter() - started):
        print(line)
    return exit_code(outcomes)


_UsageError = UsageError  # options that cannot go together, found after parsing

class Terminated(BaseException):
    """SIGTERM, raised where the build is, so that it stops as Ctrl-C does."""


def _terminate(signum, frame):
    raise Terminated()


def _scheduler(text: str) -> str:
    from .cluster import check_address  # a small module to import; distributed itself is imported on use
    try:
        return check_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _editions(text: str) -> tuple[str, ...]:
    from .build import edition_names
    try:
        return edition_names(text)
    except OctavoError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_archive(args) -> int:
    from .archive import archive_publication, verify_bag
    from .catalog import find_publications

    if args.verify:
        if args.publications:
            raise OctavoError("--verify checks a bag and builds nothing: name no publication with it")
        from .release import describe_object, is_object, verify_object

        if is_object(args.verify):
            verify_object(args.verify)
            print(describe_object(args.verify))
        else:
            print(verify_bag(args.verify))
        return 0
    folders = args.publications or find_publications(args.content)
    if not folders:
        raise OctavoError(f"no publications found in {args.content}/: each needs a folder with a publication.yaml")
    for folder in folders:
        bag, made = archive_publication(_folder(folder, args.content), args.out, args.templates,
                                        note=lambda message: print(f"note: {message}", file=sys.stderr),
                                        warn=lambda message: print(f"warning: {message}", file=sys.stderr),
                                        strict=args.strict, force=args.force)
        print(f"bagged {bag}" if made else
              f"unchanged {bag}: made from the same inputs and valid (--force makes it again)")
    return 0


def _run_release(args) -> int:
    from .catalog import find_publications
    from .errors import Location
    from .release import release

    folders = args.publications or find_publications(args.content)
    if not folders:
        raise OctavoError(f"no publications found in {args.content}/: each needs a folder with a publication.yaml")
    for folder in folders:
        made = release(_folder(folder, args.content), args.out, args.templates, strict=args.strict,
                       warn=lambda message: print(f"warning: {message}", file=sys.stderr), silent=args.no_notice)
        if made.new:
            print(f"released version {made.version} into {Location(made.path)} ({made.files} files, SHA-512)")
        else:
            print(f"version {made.version} is released already in {Location(made.path)}: rebuilt, the same bytes")
    return 0


def _run_diff(args) -> int:
    import tempfile

    from .diff import CURRENT, compare, describe, html_page, version_folder
    from .errors import Location
    from .release import object_path
    from .write import publish, temporary_beside

    folder = _folder(args.publication, args.content)
    slug = folder.name
    if not (folder / "publication.yaml").is_file():
        from .catalog import find_publications

        known = sorted(f.name for f in find_publications(args.content))
        close = difflib.get_close_matches(slug, known, n=1)
        raise UsageError(f"no publication '{args.publication}' in {args.content}/: "
                         + (f"did you mean '{close[0]}'?" if close else f"name one of {', '.join(known) or 'none'}"))
    obj = object_path(args.out, slug)
    with tempfile.TemporaryDirectory(prefix="octavo-diff-") as scratch:
        sides = []
        for given in (args.old, args.new):
            if given == CURRENT:
                sides.append((folder, "the content as it is now"))
                continue
            given = given.removeprefix("v")  # v2, as the object's folders are named
            if not given.isdigit():
                raise UsageError(f"'{given}' is not a version: give a released version's number, or '{CURRENT}'")
            if not (obj / "inventory.json").is_file():
                raise UsageError(f"{slug} has no released version in {args.out}/ (no {obj.name}): 'octavo release' keeps one")
            sides.append((version_folder(obj, int(given), Path(scratch)), f"version {int(given)}"))
        changes = compare(sides[0][0], sides[1][0])
        from .model import load_publication

        title = load_publication(sides[1][0]).title
    for line in describe(changes, sides[0][1], sides[1][1], slug):
        print(line)
    page = Path(args.out) / f"{slug}.diff-{args.old}-{args.new}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(page) as temporary:
        temporary.write_text(html_page(changes, sides[0][1], sides[1][1], slug, title), encoding="utf-8")
        publish(temporary, page)
    print(f"wrote {Location(page)}")
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


def _run_check(args) -> int:
    if args.retail:
        return _run_retail_check(args)
    from .model import load_publication
    from .render import Rendering
    from .verify import verify

    folder = args.publication or _publication_for(args.files[0], args.content)
    report = verify(Rendering(load_publication(folder)).document, args.files, strangers=True)
    for line in report.lines():
        print(line)
    if not report.ok:
        raise VerificationError(report)
    print(report.summary())
    return 0


def _run_retail_check(args) -> int:
    from .retail import check_retail

    if args.publication:
        raise OctavoError("--retail reads only the EPUB files: name no --publication with it")
    report = check_retail(args.files)
    if not report.ok:
        raise VerificationError(report)  # main prints the tables, then the summary, exit code 4
    for line in report.lines():
        print(line)
    print(report.summary())
    return 0


def _run_validate(args) -> int:
    from .catalog import find_publications
    from .validate import validate

    folders = [_folder(p, args.content) for p in args.publications] or find_publications(args.content)
    if not folders:
        raise OctavoError(f"no publications found in {args.content}/: each needs a folder with a publication.yaml")
    result = validate(folders, args.content)
    for line in result.lines(args.strict):
        print(line, file=sys.stderr if result.failed(args.strict) else sys.stdout)
    return EXIT_CONTENT if result.failed(args.strict) else EXIT_OK


def _run_new(args) -> int:
    from .scaffold import new_publication

    from .errors import Location

    folder = new_publication(args.content, args.slug)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        print(f"created {Location(path)}")  # shown relative to the working folder
    print(f"next: fill in the TODOs, then run 'octavo validate {args.slug}' and 'octavo preview {args.slug}'")
    return 0


def _run_import(args) -> int:
    from .errors import Location
    from .importer import import_docx
    from .validate import validate

    imported = import_docx(args.docx, args.content, slug=args.slug, title=args.title, changes=args.changes,
                           force=args.force, accept_losses=tuple(args.accept_loss or ()))
    done = "accepted" if args.changes == "accept" else "rejected"
    for change in imported.resolved:
        print(f"{done}: {change}")
    for comment in imported.dropped:
        print(f"left out: {comment}")
    for remark in imported.remarks:
        print(f"note: {remark}")
    print(f"imported {Location(args.docx)} into {Location(imported.folder)}/: {imported.sections} "
          f"section{'s' * (imported.sections != 1)}, {imported.notes} note{'s' * (imported.notes != 1)}, "
          f"{imported.images} image{'s' * (imported.images != 1)}")
    result = validate([imported.folder], args.content)
    failed = result.failed(strict=False)
    for line in result.lines(strict=False):
        print(line, file=sys.stderr if failed else sys.stdout)
    slug = imported.folder.name
    if failed:
        print(f"next: fix the errors above in {Location(imported.folder)}/, then run 'octavo validate {slug}'",
              file=sys.stderr)
        return EXIT_CONTENT
    print(f"next: fill in what the warnings name (the TODOs), then run 'octavo validate {slug}' "
          f"and 'octavo build {Location(imported.folder)}'")
    return EXIT_OK


def _run_schema(args) -> int:
    from .schema import schema_text, write_schemas

    if args.kind:
        sys.stdout.write(schema_text(args.kind))
        return 0
    for path in write_schemas(args.content):
        print(f"wrote {path}")
    return 0


def _run_preview(args) -> int:
    from .catalog import find_publications
    from .preview import Preview, PreviewServer

    if args.slug:
        folder = _folder(Path(args.slug), args.content)
    else:
        folders = find_publications(args.content)
        if len(folders) != 1:
            names = ", ".join(f.name for f in folders) or "none"
            raise OctavoError(f"name the publication to preview: octavo preview <slug> (in {args.content}/: {names})")
        folder = folders[0]
    if not (folder / "publication.yaml").is_file():
        raise UsageError(f"no publication '{args.slug}' in {args.content}/: name one of "
                         f"{', '.join(f.name for f in find_publications(args.content)) or 'none'}")
    try:
        server = PreviewServer(Preview(folder, args.templates), args.port)
    except OSError as exc:
        raise OctavoError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}; try --port 0") from None
    server.start()
    from .errors import Location
    print(f"previewing {Location(folder)} at {server.url} (reloads on save; Ctrl-C stops)", flush=True)
    try:
        server.preview.stopping.wait()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a preview ends: not an error
    try:
        server.stop()
    except KeyboardInterrupt:
        pass  # a second Ctrl-C while stopping: the server threads are daemons and end with us
    print("preview stopped")
    return 0


def _folder(path: Path, content: Path) -> Path:
    """A publication given as a folder path or as a bare slug."""
    return path if path.is_dir() or path.parent != Path(".") else content / path


def _publication_for(path: Path, content: Path) -> Path:
    slug = path.name.split(".")[0]
    folder = content / slug
    if not (folder / "publication.yaml").is_file():
        raise OctavoError(f"{path}: no publication '{slug}' in {content}/; name it with --publication")
    return folder


if __name__ == "__main__":
    sys.exit(main())
