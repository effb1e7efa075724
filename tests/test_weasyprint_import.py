"""Octavo imports WeasyPrint without running a program to find its libraries
(layout.import_weasyprint): the same libraries are loaded, and a system where only
ctypes.util.find_library knows a library still imports it."""

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick lookup is Linux's")

# In a fresh interpreter: count the programs started while WeasyPrint is imported
# (ctypes.util.find_library runs ldconfig, gcc, ld) and list the shared libraries loaded.
PROBE = textwrap.dedent("""
    import json, subprocess, sys
    started = []
    real_init = subprocess.Popen.__init__
    def counting_init(self, args, *rest, **kwargs):
        started.append(args if isinstance(args, str) else " ".join(map(str, args)))
        real_init(self, args, *rest, **kwargs)
    subprocess.Popen.__init__ = counting_init
    {prepare}
    {importing}
    libraries = sorted({{line.split()[-1].rsplit("/", 1)[-1] for line in open("/proc/self/maps")
                        if ".so" in line and any(n in line for n in ("pango", "gobject", "harfbuzz", "fontconfig"))}})
    print(json.dumps({{"started": started, "libraries": libraries}}))
""")


def probe(importing: str, prepare: str = "") -> dict:
    code = PROBE.format(prepare=prepare, importing=importing)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_octavo_imports_weasyprint_running_no_program_and_loads_the_same_libraries():
    plain = probe("import weasyprint")
    quick = probe("from octavo.layout import import_weasyprint; import_weasyprint()")
    assert plain["started"], "WeasyPrint's own import no longer looks libraries up: the quick path has no purpose"
    assert quick["started"] == [], f"Octavo's import of WeasyPrint ran {quick['started']}"
    assert quick["libraries"] == plain["libraries"]
    assert any("pango" in name for name in quick["libraries"])


def test_a_library_only_find_library_knows_is_still_found():
    # A system whose loader cannot open the libraries by their '.so' names alone: simulated
    # by refusing every load while Octavo's quick pass has find_library answer nothing.
    refuse_bare_names = textwrap.dedent("""
        import ctypes.util, _cffi_backend
        real_load, real_find = _cffi_backend.load_library, ctypes.util.find_library
        def load_library(name, *args):
            if ctypes.util.find_library is not real_find:
                raise OSError(f"cannot load {name}")
            return real_load(name, *args)
        _cffi_backend.load_library = load_library
    """)
    quick = probe("from octavo.layout import import_weasyprint; import_weasyprint()", prepare=refuse_bare_names)
    assert quick["started"], "the retry did not ask find_library"
    assert any("pango" in name for name in quick["libraries"])
