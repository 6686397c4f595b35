"""Sweeps on Hydra launchers: same numbers on every launcher, and a restart finishes the job.

A sweep splits 4 replications of two strategies into jobs of 2 replications
(``first_replication=0,2``). Run serially (Hydra's basic launcher), on joblib with 2
workers and on a local Ray instance, the combined tables must be identical. Deleting
one job's manifest (as if it was interrupted) and starting the sweep again must redo
that job only and give the same combined numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from abm.combine import combine

NHS_ABM = str(Path(sys.executable).with_name("nhs-abm"))
SWEEP = ["replications=2", "months=12", "progress=false", "first_replication=0,2",
         "strategy=status_quo,scaler_led"]
LAUNCHERS = {
    "basic": [],
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "ray": ["hydra/launcher=ray_local"],
}


def sweep(directory: Path, launcher: str) -> subprocess.CompletedProcess:
    env = os.environ | {"RAY_TMPDIR": str(directory.parent / "ray"), "RAY_AUTH_MODE": "disabled"}
    (directory.parent / "ray").mkdir(exist_ok=True)
    return subprocess.run([NHS_ABM, "-m", f"hydra.sweep.dir={directory}", *LAUNCHERS[launcher],
                           *SWEEP], cwd=directory.parent, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


def runs_of(directory: Path) -> pd.DataFrame:
    runs = combine(directory)["runs"]
    return runs.sort_values(["strategy", "replication"]).drop(columns="job").reset_index(
        drop=True)


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    found = {}
    for launcher in LAUNCHERS:
        if launcher == "ray":
            pytest.importorskip("hydra_plugins.hydra_ray_launcher",
                                reason="the Ray launcher is the optional [ray] extra")
        directory = tmp_path_factory.mktemp(launcher) / "sweep"
        done = sweep(directory, launcher)
        assert done.returncode == 0, done.stderr[-3000:]
        found[launcher] = directory
    return found


def test_a_sweep_writes_one_finished_job_per_combination(sweeps):
    runs = runs_of(sweeps["basic"])
    assert len(runs) == 2 * 4
    assert sorted(runs["replication"].unique()) == [0, 1, 2, 3]
    assert set(runs["first_replication"]) == {0, 2}, "varying settings become columns"


@pytest.mark.parametrize("launcher", ["joblib", "ray"])
def test_every_launcher_gives_the_numbers_of_a_serial_sweep(sweeps, launcher):
    assert_frame_equal(runs_of(sweeps[launcher]), runs_of(sweeps["basic"]))


def test_a_sweep_started_again_redoes_only_the_unfinished_job(sweeps, tmp_path):
    directory = sweeps["joblib"]
    before = runs_of(directory)
    (directory / "1" / "manifest.json").unlink()
    (directory / "1" / "runs.parquet").unlink()
    again = sweep(directory, "joblib")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("already holds this run; nothing to do") == 3
    assert_frame_equal(runs_of(directory), before)


def test_combining_a_directory_without_finished_jobs_fails_clearly(tmp_path):
    done = subprocess.run([str(Path(sys.executable).with_name("nhs-abm-combine")), str(tmp_path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "no finished job" in done.stderr
