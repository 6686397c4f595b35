"""Command-line entry point ``nhs-abm-pack``: run the scenario pack, then build its HTML.

``nhs-abm-pack OUT_DIR`` does both steps (arms already saved are not run again);
``nhs-abm-pack run OUT_DIR`` and ``nhs-abm-pack build OUT_DIR`` do one each. Bad input
(an invalid definition, a refused override, a missing run) stops with a message
naming the problem and exit code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from ..config import ConfigError
from .pack import build_pack
from .scenarios import DEFAULT_SCENARIOS, load_pack


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    argv = list(sys.argv[1:] if argv is None else argv)
    step = argv.pop(0) if argv and argv[0] in ("run", "build", "all") else "all"
    parser = argparse.ArgumentParser(
        prog=f"nhs-abm-pack {step}" if step != "all" else "nhs-abm-pack",
        description="Build the workshop's scenario pack: run every scenario's arms into "
                    "OUT_DIR/runs (step 'run'), then write OUT_DIR/scenario_pack.html from the "
                    "saved runs (step 'build'). Without a step, both.")
    parser.add_argument("out_dir", type=Path, help="pack folder (created if needed)")
    if step != "build":
        parser.add_argument("--scenarios", type=Path, default=DEFAULT_SCENARIOS,
                            help="scenario definitions (default: configs/workshop/scenarios.yaml)")
        parser.add_argument("--replications", type=int, default=None,
                            help="replications per arm (default: from the definitions)")
        parser.add_argument("--months", type=int, default=None,
                            help="months per run (default: from the definitions)")
        parser.add_argument("--seed", type=int, default=None, help="master seed")
        parser.add_argument("--workers", type=int, default=1, help="worker processes per run")
    parser.add_argument("--out", type=Path, default=None,
                        help="HTML file to write (default: OUT_DIR/scenario_pack.html)")
    args = parser.parse_args(argv)
    logging.getLogger("mesa").setLevel(logging.WARNING)
    try:
        if step != "build":
            from .pack_run import run_scenarios  # the only step that runs the model

            pack = load_pack(args.scenarios, replications=args.replications,
                             months=args.months, seed=args.seed)
            start = time.perf_counter()
            run_scenarios(pack, args.out_dir, workers=args.workers)
            print(f"nhs-abm-pack: runs saved in {args.out_dir / 'runs'} "
                  f"({time.perf_counter() - start:.0f} s)")
        if step != "run":
            path = build_pack(args.out_dir, args.out)
            print(f"nhs-abm-pack: scenario pack written to {path.resolve()}")
    except ConfigError as exc:
        print(f"nhs-abm-pack: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
