"""Benchmark: milliseconds per England-default replication (120 months, all outputs).

Usage:
    .venv/bin/python benchmarks/bench.py [--replications N] [--scale 10000]

Prints one JSON object:

- ``ms_per_replication``: wall time per replication of the status quo, run as the
  runner runs it (stacked batches of ``batch_size``, tables built), one worker;
  the median over repeats of one batch. Given per strategy too, and for the Mesa
  model of one replication (with its agents and DataCollector).
  ``cpu_ms_per_replication`` is the same measured in this process's CPU time: on a
  machine busy with other work the wall figure rises, the CPU figure much less.
- ``seconds_10k_replications``: wall time of ``run_experiment`` for 10,000
  replications of the status quo on all cores (``--scale`` changes the count);
  with ``peak_rss_mb`` to show memory stays flat.
- ``seconds_4_strategies_1k``: the four-strategy comparison at 1,000 replications each,
  on one worker and on two, each the mean of two runs timed in the order 1, 2, 2, 1
  workers (so a machine that slows down or speeds up during the benchmark does not
  favour either).
- ``parallel_speedup_2_workers``: one worker's time over two workers' time.
- ``robust_comparison`` (with ``--robust N``): the shipped robust comparison
  (``configs/experiment/robust_comparison.yaml``) with N Latin-hypercube futures, on one
  worker and on two: seconds, and whether every table is the same (it must be).
- ``calibration`` (with ``--calibration N``): the shipped calibration's fit
  (``configs/experiment/calibrate.yaml``) stopped after about N simulations, on one
  worker and on two: seconds, simulations per second, and whether both gave the same
  posterior (they must).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time

from abm.cli import compose_run_config
from abm.model import NHSReformModel
from abm.runner import replication_seed, run_batch, run_experiment

STRATEGIES = {s.name: s for s in compose_run_config().strategies}  # configs/strategy/all.yaml


def _median_ms_per_replication(fn, repeats: int, per_call: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds per replication of ``fn`` over ``repeats`` calls."""
    wall, cpu = [], []
    for r in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(r)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (round(1000 * statistics.median(wall) / per_call, 2),
            round(1000 * statistics.median(cpu) / per_call, 2))


def _experiment_seconds(replications: int, strategies: list[str], workers: int,
                        months: int) -> float:
    cfg = compose_run_config(f"replications={replications}", f"workers={workers}",
                             f"months={months}")
    cfg = cfg.model_copy(update={"strategies": tuple(STRATEGIES[s] for s in strategies)})
    start = time.perf_counter()
    run_experiment(cfg)
    return round(time.perf_counter() - start, 2)


def _calibration_seconds(simulations: int) -> dict:
    """The shipped fit, stopped after about ``simulations``, on 1 and 2 workers."""
    import tempfile
    from pathlib import Path

    from abm.cli import compose_experiment
    from abm.experiments import calibrate

    cfg = compose_run_config("experiment=calibrate")
    settings = compose_experiment("experiment=calibrate")
    out: dict = {"max_simulations": simulations, "population_size": settings.population_size}
    fits = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as scratch:
            fits[workers] = calibrate.fit(
                cfg, settings.parameters, settings.holdout, settings.population_size,
                settings.generations, simulations, settings.replications_per_simulation,
                Path(scratch) / "history.db", workers=workers)
        fit = fits[workers]
        out[f"workers_{workers}"] = {"seconds": round(fit.seconds, 1),
                                     "simulations": fit.simulations,
                                     "simulations_per_second": round(
                                         fit.simulations / fit.seconds, 1)}
    out["same_posterior"] = bool(fits[1].draws.equals(fits[2].draws))
    return out


def _robust_seconds(futures: int) -> dict:
    """The shipped robust comparison with ``futures`` futures, on 1 and 2 workers."""
    from abm.cli import compose_experiment
    from abm.experiments.robust import robust_comparison

    settings = compose_experiment("experiment=robust_comparison").model_copy(
        update={"futures": futures})
    out: dict = {"futures": futures}
    done = {}
    for workers in (1, 2):
        cfg = compose_run_config("experiment=robust_comparison", f"workers={workers}")
        start = time.perf_counter()
        done[workers] = robust_comparison(cfg, settings)
        out[f"workers_{workers}"] = {"seconds": round(time.perf_counter() - start, 1),
                                     "runs": len(done[workers].runs)}
    out["same_tables"] = all(done[1].tables[k].equals(done[2].tables[k])
                             for k in done[1].tables) and done[1].runs.equals(done[2].runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=None,
                        help="batch timed per repeat (default: the configured batch_size)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10_000,
                        help="replications for seconds_10k_replications (0 to skip)")
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--calibration", type=int, default=0,
                        help="simulations of the calibration fit to time (0 to skip)")
    parser.add_argument("--robust", type=int, default=0,
                        help="futures of the robust comparison to time (0 to skip)")
    parser.add_argument("--only-robust", action="store_true",
                        help="time the robust comparison alone")
    args = parser.parse_args()
    if args.only_robust:
        print(json.dumps({"robust_comparison": _robust_seconds(args.robust or 200)}, indent=2))
        return
    cfg = compose_run_config()
    scenario, size = cfg.scenario, args.replications or cfg.batch_size
    run_batch(scenario, STRATEGIES["status_quo"], 1, list(range(4)), 12)  # warm caches

    def batch(strategy):
        return lambda r: run_batch(scenario, strategy, 1, list(range(r * size, (r + 1) * size)),
                                   args.months)

    timed = {name: _median_ms_per_replication(batch(s), args.repeats, size)
             for name, s in STRATEGIES.items()}
    per_strategy = {name: wall for name, (wall, _) in timed.items()}
    mesa_model, _ = _median_ms_per_replication(
        lambda r: NHSReformModel(scenario, STRATEGIES["status_quo"], rng=replication_seed(1, r),
                                 months=args.months).run(), args.repeats, 1)
    workers = os.cpu_count() or 1
    four = list(STRATEGIES)
    runs = {n: [] for n in (1, 2)}
    for n in (1, 2, 2, 1):
        runs[n].append(_experiment_seconds(1000, four, n, args.months))
    one_worker, two_workers = (round(statistics.mean(runs[w]), 2) for w in (1, 2))
    result = {
        "ms_per_replication": per_strategy["status_quo"],
        "cpu_ms_per_replication": timed["status_quo"][1],
        "ms_per_replication_by_strategy": per_strategy,
        "ms_per_replication_mesa_model": mesa_model,
        "batch_size": size,
        "months": args.months,
        "seconds_4_strategies_1k": {"workers_1": one_worker, "workers_2": two_workers,
                                    "runs": {f"workers_{w}": runs[w] for w in (1, 2)}},
        "parallel_speedup_2_workers": round(one_worker / two_workers, 2),
    }
    if args.scale:
        seconds = _experiment_seconds(args.scale, ["status_quo"], workers, args.months)
        result["seconds_10k_replications"] = seconds
        result["scale_replications"] = args.scale
        result["scale_workers"] = workers
    if args.calibration:
        result["calibration"] = _calibration_seconds(args.calibration)
    if args.robust:
        result["robust_comparison"] = _robust_seconds(args.robust)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "platform": platform.platform()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
