"""A run folder with a manifest is complete: the manifest is the last file written.

Every file of a run (tables, config, report, manifest) is written under a temporary
name and renamed into place. A process killed at any moment therefore leaves each
file whole or absent; the test stops the run just before each rename in turn, as a
``kill -9`` would, and checks that the folder has no manifest, is not taken as
finished, and is completed by running the same job again.
"""

from __future__ import annotations

import os

import pytest

from abm.cli import _compose, _run

JOB = ("replications=2", "months=6", "progress=false")


class Killed(BaseException):
    """Stands for the process being killed: nothing after it runs."""


def _job(out) -> dict:
    return _compose((*JOB, f"output_dir={out}"))


def _renames_of_a_whole_run(tmp_path) -> list[str]:
    names = []
    real = os.replace

    def record(src, dst):
        names.append(os.path.basename(dst))
        real(src, dst)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", record)
        _run(_job(tmp_path / "whole"))
    return names


def test_the_manifest_is_written_after_every_other_file(tmp_path):
    names = _renames_of_a_whole_run(tmp_path)
    assert names[-1] == "manifest.json"
    assert {"report.html", "config.yaml", "runs.parquet", "comparison.parquet"} <= set(names)


def test_a_run_killed_before_any_write_lands_is_rerun_and_completed(tmp_path, capsys):
    writes = _renames_of_a_whole_run(tmp_path)
    whole = sorted(p.name for p in (tmp_path / "whole").iterdir())
    real = os.replace
    for k, name in enumerate(writes):
        out = tmp_path / f"killed_at_{k}"
        done = []

        def kill_at_k(src, dst, at=k, done=done):
            if len(done) == at:
                raise Killed
            done.append(dst)
            real(src, dst)

        with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
            patch.setattr(os, "replace", kill_at_k)
            _run(_job(out))
        assert not (out / "manifest.json").exists(), f"killed while writing {name}"
        capsys.readouterr()
        _run(_job(out))  # started again, the job is not skipped: it runs and completes
        assert "already holds this run" not in capsys.readouterr().out, name
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == whole
