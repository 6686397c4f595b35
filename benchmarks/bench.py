"""Benchmark: milliseconds per England-default replication (120 months, all outputs).

Usage:
    .venv/bin/python benchmarks/bench.py [--replications 30] [--strategy all]

Prints one JSON object. ``ms_per_replication`` is the median wall time of one
replication of the status quo: build the model, run 120 monthly steps with the
DataCollector, and turn the record into the tidy tables. The same figure is
given per strategy, with the model alone (no tables), and for a full
``run_experiment`` with 1 and 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from abm.cli import compose_run_config
from abm.config import RunConfig
from abm.model import NHSReformModel
from abm.runner import replication_seed, run_experiment, run_replication

STRATEGIES = {s.name: s for s in compose_run_config().strategies}  # configs/strategy/all.yaml


def _median_ms(fn, n: int) -> float:
    times = []
    for r in range(n):
        start = time.perf_counter()
        fn(r)
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()
    scenario = compose_run_config().scenario
    run_replication(scenario, STRATEGIES["status_quo"], 1, 0, args.months)  # warm caches
    per_strategy = {
        name: _median_ms(lambda r, s=s: run_replication(scenario, s, 1, r, args.months),
                         args.replications)
        for name, s in STRATEGIES.items()
    }
    model_only = _median_ms(
        lambda r: NHSReformModel(scenario, STRATEGIES["status_quo"], rng=replication_seed(1, r),
                                 months=args.months).run(), args.replications)
    experiment = {}
    for workers in (1, 2):
        cfg = RunConfig(seed=1, replications=args.replications, months=args.months,
                        workers=workers, strategies=tuple(STRATEGIES.values()))
        start = time.perf_counter()
        run_experiment(cfg)
        experiment[workers] = time.perf_counter() - start
    runs = 4 * args.replications
    print(json.dumps({
        "ms_per_replication": per_strategy["status_quo"],
        "ms_per_replication_by_strategy": per_strategy,
        "ms_per_replication_model_only": model_only,
        "replications_timed": args.replications,
        "months": args.months,
        "experiment_4_strategies_seconds": {f"workers_{w}": round(s, 2)
                                            for w, s in experiment.items()},
        "experiment_ms_per_replication": {f"workers_{w}": round(1000 * s / runs, 2)
                                          for w, s in experiment.items()},
        "parallel_speedup_2_workers": round(experiment[1] / experiment[2], 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
    }, indent=2))


if __name__ == "__main__":
    main()
