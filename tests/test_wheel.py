"""The package installed as a wheel (not editable) works without the source tree.

The wheel is built from this checkout and installed with no dependencies into a fresh
virtual environment; the libraries it needs are borrowed from the test environment
through a path entry (so nothing is downloaded beyond the build backend), which puts
no ``abm`` on the path: the fresh environment only has the package from the wheel.
Its commands then run from an empty folder: the main job, the report of its results,
the workshop's scenario pack, and the published page checked against a copy of
``reports/``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
          str(ROOT)], cwd=out)
    (built,) = out.glob("nhs_reform_abm-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, wheel) -> Path:
    """A new virtual environment holding only the wheel; returns its bin folder."""
    env = tmp_path_factory.mktemp("fresh") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env)], cwd=env.parent)
    python = env / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--quiet", str(wheel)], cwd=env.parent)
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                                             "'purelib'))"], cwd=env.parent).stdout.strip())
    (purelib / "borrowed_libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env / "bin"


def test_the_wheel_carries_every_config_and_the_odd(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"abm/configs/{p.relative_to(ROOT / 'configs')}"
               for p in (ROOT / "configs").rglob("*.yaml")}
    assert shipped and shipped <= names, shipped - names
    assert "abm/docs/ODD.md" in names and "abm/data/trusts.csv" in names
    templates = {f"abm/report/templates/{p.name}"
                 for p in (ROOT / "abm" / "report" / "templates").iterdir() if p.is_file()}
    assert templates and templates <= names, templates - names


def test_the_installed_commands_run_from_an_empty_folder(fresh, tmp_path):
    where = _run([str(fresh / "python"), "-c", "import abm; print(abm.__file__)"],
                 cwd=tmp_path).stdout
    assert str(ROOT) not in where, "the fresh environment must not see the source tree"
    out = tmp_path / "run"
    done = _run([str(fresh / "nhs-abm"), f"output_dir={out}", "replications=2", "months=6",
                 "progress=false"], cwd=tmp_path)
    assert (out / "manifest.json").is_file() and (out / "report.html").is_file(), done.stdout
    _run([str(fresh / "nhs-abm-report"), str(out), "--out", str(tmp_path / "again.html")],
         cwd=tmp_path)
    assert "Known simplifications" in (tmp_path / "again.html").read_text(encoding="utf-8")
    _run([str(fresh / "nhs-abm"), "experiment=win_map", "replications=2", "months=60",
          "experiment.outcome=embedded_share_y5", "workers=1", "progress=false",
          f"output_dir={tmp_path / 'map'}"], cwd=tmp_path)
    _run([str(fresh / "nhs-abm-pack"), str(tmp_path / "pack"), "--replications", "2",
          "--months", "6"], cwd=tmp_path)
    assert (tmp_path / "pack" / "scenario_pack.html").is_file()


def test_the_installed_publish_command_renders_the_committed_page(fresh, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(ROOT / "reports" / "tables", reports / "tables")
    shutil.copy(ROOT / "reports" / "README.md", reports / "README.md")
    done = _run([str(fresh / "nhs-abm-publish"), "--check", "--reports", str(reports)],
                cwd=tmp_path)
    assert "up to date" in done.stdout


def test_every_folder_of_the_package_is_listed_for_the_wheel():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    folders = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "abm").rglob("*")
               if p.is_dir() and p.name != "__pycache__" and not p.is_symlink()}
    assert folders <= listed, f"not listed in pyproject.toml: {sorted(folders - listed)}"
