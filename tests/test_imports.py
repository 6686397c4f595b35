"""Every module of the ``abm`` package imports on its own, as the first of the package.

An import cycle shows only when a module of the cycle is the first one imported, so
each module is imported with no module of the package loaded. The imports run in
fresh interpreters, never in the test's own (which conftest has filled). Before each
import the interpreter drops every ``abm`` module from ``sys.modules``: third-party
packages stay loaded (compiled extensions cannot be unloaded, and importing them again
for each of some seventy modules would take a minute), the package's own modules are
imported afresh. The modules are shared among one interpreter per core.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.find_spec("abm")  # finds the package without importing it
PACKAGE_DIR = Path(_SPEC.submodule_search_locations[0])

_IMPORT_EACH = """
import importlib, json, sys, traceback
sys.path.insert(0, sys.argv[1])
names, failures = json.loads(sys.argv[2]), {}
for name in names:
    for loaded in [m for m in sys.modules if m == "abm" or m.startswith("abm.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException as exc:  # a module that exits on import fails too
        failures[name] = "".join(traceback.format_exception_only(exc)).strip()
with open(sys.argv[3], "w") as out:
    json.dump(failures, out)
"""


def package_modules(name: str, directory: Path) -> list[str]:
    """The package ``name`` in ``directory`` and all its modules and subpackages, unimported."""
    names = [name]
    for info in pkgutil.iter_modules([str(directory)]):
        full = f"{name}.{info.name}"
        if info.ispkg:
            names += package_modules(full, directory / info.name)
        else:
            names.append(full)
    return names


MODULES = package_modules("abm", PACKAGE_DIR)


@pytest.fixture(scope="module")
def import_failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each failing module's exception, from imports spread over one interpreter per core."""
    workers = max(1, min(os.cpu_count() or 1, 4, len(MODULES)))
    out_dir = tmp_path_factory.mktemp("imports")
    jobs = []
    for n in range(workers):
        out = out_dir / f"{n}.json"
        args = [sys.executable, "-c", _IMPORT_EACH, str(PACKAGE_DIR.parent),
                json.dumps(MODULES[n::workers]), str(out)]
        jobs.append((subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True), out))
    failures = {}
    for job, out in jobs:
        _, stderr = job.communicate(timeout=300)
        assert job.returncode == 0, stderr
        failures.update(json.loads(out.read_text()))
    return failures


def test_the_walk_finds_subpackages_and_their_modules() -> None:
    assert {"abm", "abm.kernels", "abm.mechanisms", "abm.mechanisms.scaler",
            "abm.experiments.run", "abm.report.build"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_on_its_own(module: str, import_failures: dict[str, str]) -> None:
    assert module not in import_failures, import_failures.get(module)
