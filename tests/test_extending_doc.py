"""docs/extending.md is the recipe a developer follows to add an edition: the signatures it gives
for a writer, a reader and a prover are those the registry calls and every registered edition's
functions take (issue 23: it once said `reader(path)` when the code called `reader(path, page)`)."""

from __future__ import annotations

import inspect
import re

from octavo.editions import EDITIONS, Edition, _function

from conftest import REPO

DOC = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")


def documented(role: str) -> list[str]:
    """The parameter names extending.md gives for `role` ("writer", "reader", "prover")."""
    found = re.search(rf"called as `{role}\(([^)]*)\)", DOC)
    assert found, f"docs/extending.md no longer says how the {role} is called"
    return [part.split(":")[0].strip() for part in found.group(1).split(",") if part.strip()]


def called_with(method) -> list[str]:
    """The arguments Edition's method passes on, by the names of its own parameters."""
    return [p for p in inspect.signature(method).parameters if p != "self"]


def test_the_documented_signatures_are_those_the_registry_calls():
    assert documented("writer") == called_with(Edition.write)
    assert documented("reader") == called_with(Edition.read)
    assert documented("prover") == called_with(Edition.prove)


def test_every_registered_edition_takes_the_documented_arguments():
    for edition in EDITIONS.values():
        for role, spec in (("writer", edition.writer), ("reader", edition.reader), ("prover", edition.prover)):
            if not spec:
                continue
            parameters = list(inspect.signature(_function(spec)).parameters.values())
            needed = [p for p in parameters if p.default is inspect.Parameter.empty and p.kind in
                      (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            given = len(documented(role))
            assert len(needed) <= given <= len(positional), f"{edition.name}'s {role} {spec}: {parameters}"


def test_the_signature_check_can_fail():
    """A doc that said `reader(path)` again would be caught."""
    stale = DOC.replace("`reader(path, page, anchors)", "`reader(path)")
    found = re.search(r"called as `reader\(([^)]*)\)", stale)
    assert [part.strip() for part in found.group(1).split(",")] != called_with(Edition.read)


def test_the_documented_row_is_the_edition_dataclass():
    from dataclasses import fields

    row = re.search(r"^Edition\(([^)]*)\)$", DOC, re.M)
    assert row, "docs/extending.md no longer shows the Edition row"
    names = [part.split("=")[0].strip() for part in row.group(1).split(",")]
    assert names == [f.name for f in fields(Edition)]
