"""The published result tables of ``reports/tables``: what each holds and where it comes from.

Each table of ``TABLES`` is copied from one file of a shipped experiment's run folder
(``RUNS``, one folder per experiment named after its config) by ``refresh_tables``, with
a row of ``provenance.csv`` naming the run, command, seed and commit it came from.
``load_tables`` reads them back for the page (``abm.report.publish``) and refuses a
table that is missing, unreadable, empty, lacks a column or holds text where numbers
belong.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..summary import appraisal_table, summary_table
from . import analysis_figures as A
from . import calibration as C
from .hindcast import TABLE as HINDCAST_TABLE
from .robust import TABLES as ROBUST_TABLES


class PublishError(Exception):
    """The tables or run folders cannot be published (missing, unreadable or malformed)."""


# -------------------------------------------------------------------- runs and tables

@dataclass(frozen=True)
class Run:
    """A shipped experiment: its run folder (named after its config) and its command."""

    name: str
    command: str
    title: str


RUNS = {run.name: run for run in (
    Run("compare_strategies", "nhs-abm", "the four strategies compared"),
    Run("win_map", "nhs-abm experiment=win_map", "pressure against digital maturity"),
    Run("win_map_scaler_price", "nhs-abm experiment=win_map_scaler_price",
        "the scaler's price against risk aversion"),
    Run("win_map_pooled_budgets", "nhs-abm experiment=win_map_pooled_budgets",
        "siloed against pooled budgets"),
    Run("sensitivity", "nhs-abm experiment=sensitivity", "global sensitivity"),
    Run("bass_fit", "nhs-abm experiment=bass_fit", "Bass diffusion fits"),
    Run("scenario_discovery", "nhs-abm experiment=scenario_discovery",
        "where each strategy fails and where it wins"),
    Run("calibrate", "nhs-abm experiment=calibrate", "calibration to the NHS record"),
    Run("robust_comparison", "nhs-abm experiment=robust_comparison "
        "posterior=experiments/calibration/england_calibrated_draws.parquet",
        "each strategy at its best, at equal cost and across plausible futures"),
    Run("win_map_tuned", "nhs-abm experiment=win_map strategy=all_tuned",
        "pressure against digital maturity, at tuned levers"),
    Run("win_map_scaler_price_tuned", "nhs-abm experiment=win_map_scaler_price "
        "strategy=all_tuned", "the scaler's price against risk aversion, at tuned levers"),
    Run("win_map_pooled_budgets_tuned", "nhs-abm experiment=win_map_pooled_budgets "
        "strategy=all_tuned", "siloed against pooled budgets, at tuned levers"),
)}
WIN_MAPS = ("win_map", "win_map_scaler_price", "win_map_pooled_budgets")
TUNED_WIN_MAPS = tuple(f"{name}_tuned" for name in WIN_MAPS)


@dataclass(frozen=True)
class Table:
    """A table of ``reports/tables``: the run file it is taken from and what it must hold."""

    name: str
    run: str
    source: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    note: str = "copied"


APPRAISAL_COLUMNS = ("strategy", "pv_benefit_gbp_m", "pv_residual_value_gbp_m",
                     "pv_cost_trust_gbp_m", "pv_cost_icb_gbp_m", "pv_cost_national_gbp_m",
                     "pv_cost_gbp_m", "npsv_gbp_m", "npsv_gbp_m_low", "npsv_gbp_m_high", "bcr",
                     "extra_pv_benefit_gbp_m", "extra_pv_cost_gbp_m", "extra_npsv_gbp_m",
                     "extra_npsv_gbp_m_low", "extra_npsv_gbp_m_high",
                     "extra_npsv_optimism_bias_gbp_m", "extra_npsv_no_persistence_gbp_m",
                     "extra_npsv_bed_days_at_health_rate_gbp_m", "incremental_bcr",
                     "value_for_money")
SUMMARY_COLUMNS = ("strategy", "replications", "embedded_share_y10", "embedded_share_y10_low",
                   "embedded_share_y10_high", "benefit_gbp_m", "benefit_gbp_m_low",
                   "benefit_gbp_m_high", "saving_gbp_m", "spend_gbp_m", "net_benefit_gbp_m",
                   "net_benefit_gbp_m_low", "net_benefit_gbp_m_high", "benefit_per_spend",
                   "benefit_per_spend_low", "benefit_per_spend_high",
                   "icb_benefit_per_head_lowest_fifth_gbp")
COMPARISON_COLUMNS = ("strategy", "baseline", "outcome", "difference", "ci_low", "ci_high",
                      "replications", "interval", "smaller_than_interval")
CURVE_COLUMNS = ("strategy", "step", "outcome", "mean", "ci_low", "ci_high", "replications")
DISCOVERY_COLUMNS = ("strategy", "outcome", "margin", "share_of_points_failing", "rule",
                     "points", "failures", "density", "coverage")
CONVERGENCE_COLUMNS = ("outcome", "parameter", "ST", "base_samples")
PROVENANCE_COLUMNS = ("table", "run", "source", "note", "command", "seed", "replications", "runs",
                      "package_version", "git_commit", "created_utc", "seconds_total")
_WIN_NUMERIC = ("x_value", "y_value", "outcome_mean", "outcome_ci_low", "outcome_ci_high",
                "margin", "margin_ci_low", "margin_ci_high", "replications")

TABLES = {t.name: t for t in (
    Table("strategy_summary", "compare_strategies", "runs.parquet", SUMMARY_COLUMNS,
          SUMMARY_COLUMNS[1:], "abm.summary.summary_table of runs and run_innovations"),
    Table("comparison", "compare_strategies", "comparison.parquet", COMPARISON_COLUMNS,
          ("difference", "ci_low", "ci_high", "replications")),
    Table("adoption_curves", "compare_strategies", "curves.parquet", CURVE_COLUMNS,
          CURVE_COLUMNS[3:], "rows of outcome embedded_share_mean"),
    Table("appraisal", "compare_strategies", "runs.parquet", APPRAISAL_COLUMNS,
          APPRAISAL_COLUMNS[1:12], "abm.summary.appraisal_table of runs"),
    *(Table(name, name, "win_map.parquet", A.WIN_MAP_COLUMNS, _WIN_NUMERIC)
      for name in (*WIN_MAPS, *TUNED_WIN_MAPS)),
    Table("sensitivity", "sensitivity", "sensitivity.parquet", A.SENSITIVITY_COLUMNS,
          ("mu_star", "S1", "ST", "samples")),
    Table("sobol_convergence", "sensitivity", "sobol_convergence.parquet",
          CONVERGENCE_COLUMNS, ("ST", "base_samples")),
    Table("bass_fit", "bass_fit", "bass_fit.parquet", A.BASS_COLUMNS + ("literature_p",
          "literature_q"), ("p", "q", "literature_p", "literature_q", "replications")),
    Table("discovery", "scenario_discovery", "discovery.parquet", DISCOVERY_COLUMNS,
          ("share_of_points_failing", "points", "failures", "density", "coverage")),
    *(Table(name, "calibrate", f"{name}.parquet", columns,
            tuple(c for c in columns if c not in ("target", "description", "role", "unit",
                                                  "confidence", "consistent", "parameter")))
      for name, columns in C.TABLES.items()),
    *(Table(name, "calibrate", f"{name}.parquet", columns,
            tuple(c for c in columns if c in ("record", "model_median", "model_low",
                                              "model_high")))
      for name, columns in HINDCAST_TABLE.items()),
    *(Table(name if name.startswith("robust_") else f"robust_{name}", "robust_comparison",
            f"{name}.parquet", columns, ()) for name, columns in ROBUST_TABLES.items()),
    Table("calibration_recovery", "calibrate", "calibration_recovery.parquet",
          (*C.RECOVERY_TABLE["calibration_recovery"], "simulations"),
          ("check", "truth", "posterior_median", "ci_low", "ci_high", "rank", "simulations")),
)}


# ------------------------------------------------------- refresh from the run folders

def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PublishError(f"{path}: missing (run the experiment with output_dir= that folder)")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # any unreadable file is the same user error
        raise PublishError(f"{path}: cannot read ({exc})") from None


def _extract(table: Table, run_dir: Path) -> pd.DataFrame:
    """The rows of ``table`` taken from its run folder."""
    if table.name == "strategy_summary":
        return summary_table(_read_parquet(run_dir / "runs.parquet"),
                             _read_parquet(run_dir / "run_innovations.parquet"))
    if table.name == "appraisal":
        return appraisal_table(_read_parquet(run_dir / "runs.parquet"))[list(APPRAISAL_COLUMNS)]
    frame = _read_parquet(run_dir / table.source)
    if table.name == "adoption_curves":
        frame = frame[frame["outcome"] == "embedded_share_mean"].drop(columns="interval")
    return frame.reset_index(drop=True)


def _manifest(run_dir: Path, run: Run) -> dict:
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise PublishError(f"{path}: missing; is {run_dir} a finished `{run.command} "
                           f"output_dir={run_dir}` run?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: cannot read ({exc})") from None
    expected = "win_map" if run.name.startswith("win_map") else run.name
    found = (manifest.get("experiment") or {}).get("name")
    if found != expected:
        raise PublishError(f"{path}: experiment {found!r}, expected {expected!r}")
    return manifest


def _provenance_row(table: Table, manifest: dict) -> dict:
    run = RUNS[table.run]
    return {"table": f"{table.name}.csv", "run": run.name, "source": table.source,
            "note": table.note, "command": run.command, "seed": manifest.get("seed"),
            "replications": manifest.get("replications"), "runs": manifest.get("runs"),
            "package_version": manifest.get("package_version"),
            "git_commit": manifest.get("git_commit"), "created_utc": manifest.get("created_utc"),
            "seconds_total": manifest.get("seconds_total")}


def refresh_tables(runs_dir: Path, tables_dir: Path) -> list[Path]:
    """Copy the published tables from the shipped experiments' run folders.

    Everything is read and checked first and written into a temporary folder, which then
    replaces ``tables_dir``, so a failure leaves the old tables as they were.

    Args:
        runs_dir: Holds one run folder per experiment of ``RUNS``, named after it.
        tables_dir: Where the CSV tables and ``provenance.csv`` go.

    Returns:
        The files written.

    Raises:
        PublishError: If a run folder, its manifest or a table is missing or malformed.
    """
    frames, provenance = {}, []
    for table in TABLES.values():
        run_dir = Path(runs_dir) / table.run
        manifest = _manifest(run_dir, RUNS[table.run])
        frames[table.name] = _checked(table, _extract(table, run_dir), run_dir / table.source)
        provenance.append(_provenance_row(table, manifest))
    frames["provenance"] = pd.DataFrame(provenance, columns=PROVENANCE_COLUMNS)
    tables_dir = Path(tables_dir)
    tables_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tables-", dir=tables_dir.parent))
    staging.chmod(0o755)
    try:
        for name, frame in frames.items():
            frame.to_csv(staging / f"{name}.csv", index=False)
        _swap(staging, tables_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(tables_dir.glob("*.csv"))


def _swap(new: Path, old: Path) -> None:
    """Put the folder ``new`` in the place of ``old`` (which is removed)."""
    retired = old.with_name(f".{old.name}-old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


# --------------------------------------------------------------------- read and check

def _checked(table: Table, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``frame`` if it has the columns and numbers ``table`` needs; else a PublishError."""
    absent = [c for c in table.columns if c not in frame.columns]
    if absent:
        raise PublishError(f"{path}: missing columns {', '.join(absent)} (expected at least "
                           f"{', '.join(table.columns)})")
    if frame.empty:
        raise PublishError(f"{path}: no rows")
    for column in table.numeric:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise PublishError(f"{path}: column {column} must hold numbers, found "
                               f"{frame[column].dtype} (e.g. {frame[column].iloc[0]!r})")
    return frame


def load_tables(tables_dir: Path) -> dict[str, pd.DataFrame]:
    """Read and check every table of ``reports/tables`` and its provenance.

    Raises:
        PublishError: If a table is missing, unreadable, empty, lacks a column, holds text
            where numbers are expected, or has no provenance row.
    """
    tables_dir = Path(tables_dir)
    specs = [*TABLES.values(), Table("provenance", "", "", PROVENANCE_COLUMNS, ("seed",))]
    frames = {}
    for table in specs:
        path = tables_dir / f"{table.name}.csv"
        if not path.is_file():
            raise PublishError(f"{path}: missing; refresh the tables with "
                               "`nhs-abm-publish --from RUNS_DIR`")
        try:
            frame = pd.read_csv(path)
        except Exception as exc:  # any unreadable file is the same user error
            raise PublishError(f"{path}: cannot read as CSV ({exc})") from None
        frames[table.name] = _checked(table, frame, path)
    listed = set(frames["provenance"]["table"])
    unlisted = [f"{name}.csv" for name in TABLES if f"{name}.csv" not in listed]
    if unlisted:
        raise PublishError(f"{tables_dir / 'provenance.csv'}: no row for {', '.join(unlisted)}")
    return frames
