"""`make bench` measures what it says (bench/bench.py; its figures are not tests, its tools are):
a build's peak memory is summed over every process it forks, and a target not met is marked
so with its reason."""

from __future__ import annotations

import importlib.util
import sys

from conftest import REPO


def _bench():
    spec = importlib.util.spec_from_file_location("bench", REPO / "bench" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# A parent and its forked child each fill 80 MB of their own and hold it a second.
TWO_PROCESSES = """
import os, time
pid = os.fork()
held = bytearray(80_000_000)
for i in range(0, len(held), 4096):
    held[i] = 1
time.sleep(1.0)
if pid:
    os.waitpid(pid, 0)
else:
    os._exit(0)
"""


def test_peak_memory_is_summed_over_every_process_of_the_command():
    bench = _bench()
    measured = bench.measure([sys.executable, "-c", TWO_PROCESSES])
    assert measured.code == 0
    assert measured.largest < 120e6  # one process never held both
    assert measured.peak > 160e6  # both at once, counted together


def test_a_target_not_met_says_so_and_why():
    bench = _bench()
    bench.TARGETS.clear()
    bench.target("a measurement", "≤ 1.5×", "2.00×", False, "the reason, as measured")
    bench.target("another", "≥ 1.8×", "1.90×", True, "not shown when met")
    table = bench.targets_table()
    rows = [line for line in table.splitlines() if line.startswith("| a") or line.startswith("| another")]
    assert rows[0].split("|")[1:-1][-1].strip() == "**no**: the reason, as measured"
    assert rows[1].rstrip().endswith("| yes |") and "not shown" not in table


def test_every_section_of_the_bench_has_its_measurement():
    """`--only` names SECTIONS; a section without its function (a merge once dropped "dask")
    would stop `make bench` before it measured anything."""
    import argparse
    from pathlib import Path

    bench = _bench()
    args = argparse.Namespace(runs=1, long_runs=1, catalog=2, pages=10, book_pages=10)
    assert list(bench.measurements(Path("/nonexistent"), args)) == list(bench.SECTIONS)


def test_each_resource_curve_makes_a_paper_that_holds_what_it_measures(tmp_path):
    """bench_curves' papers (issue 22): the seed with n notes, n sections more, a table of n rows,
    a word of n letters; each a valid publication holding exactly that."""
    from octavo.model import load_publication
    from octavo.render import Rendering

    bench = _bench()
    for kind in bench.CURVE_SIZES:
        document = Rendering(load_publication(bench._curve_paper(tmp_path, kind, 7))).document
        blocks = [b for s in document.sections for b in s.blocks]
        if kind == "notes":
            assert sum(b.kind == "footnote" for b in blocks) == 7
        elif kind == "sections":
            assert sum(s.title.startswith("Part ") for s in document.sections) == 7
        elif kind == "table rows":
            assert any(b.kind == "table cell" and b.text == "row 6 of the table" for b in blocks)
        else:
            assert any("a" * 7 + "." in b.text for b in blocks)
