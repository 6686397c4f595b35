"""Command-line entry point ``nhs-abm-workshop``: start the live app, offline.

Points Solara's asset proxy at the per-user cache of its front end
(``abm.workshop.assets``; filled here from the npm registry when a package is
missing), turns Solara's usage telemetry off, and runs ``solara run
abm.workshop.app``. The app does not start while the cache is incomplete, so
nothing the browser loads comes from outside the machine running the app.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from .assets import CACHE_ENV, AssetCacheError, default_cache_dir, install, missing_packages


def server_environment(cache_dir: Path | None = None) -> dict[str, str]:
    """The environment the Solara server runs with.

    Args:
        cache_dir: The filled proxy cache (default: ``assets.default_cache_dir()``).

    Returns:
        A copy of ``os.environ`` with the asset cache set and telemetry off.
    """
    env = dict(os.environ)
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(default_cache_dir() if cache_dir is None
                                               else cache_dir)
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def _refuse(cache_dir: Path, missing: list[str], cause: str) -> NoReturn:
    """Print why the app cannot start and exit with status 1."""
    print(f"nhs-abm-workshop: not starting: the app's front end is incomplete in {cache_dir} "
          f"(missing: {', '.join(missing) or 'the package list'}): {cause}\n"
          "  Fill the cache where npm can reach its registry: "
          "`python -m abm.workshop.assets install` (or bash scripts/install_workshop_assets.sh "
          f"in a clone), or set {CACHE_ENV} to a filled cache folder.", file=sys.stderr)
    raise SystemExit(1)


def ensure_assets(cache_dir: Path | None = None) -> Path:
    """Fill the asset cache from the npm registry if a package is missing.

    Args:
        cache_dir: The proxy cache (default: ``assets.default_cache_dir()``).

    Returns:
        The cache folder, complete.

    Raises:
        SystemExit: With status 1 (and a message naming the missing packages) if the
            cache is still incomplete afterwards, e.g. npm is missing or fails.
    """
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    missing: list[str] = []
    try:
        missing = missing_packages(cache_dir)
        if missing:
            print(f"nhs-abm-workshop: fetching the app's front end from the npm registry into "
                  f"{cache_dir} ({', '.join(missing)})", flush=True)
            install(cache_dir, missing)
    except AssetCacheError as exc:
        _refuse(cache_dir, missing_packages(cache_dir, missing), str(exc))
    still_missing = missing_packages(cache_dir, missing)
    if still_missing:
        _refuse(cache_dir, still_missing, "the install left them out")
    return cache_dir


def solara_command(host: str, port: int, production: bool = True) -> list[str]:
    """The ``solara run`` command line for the workshop app.

    Args:
        host: Interface to listen on (``0.0.0.0`` to let a room's laptops connect).
        port: TCP port.
        production: Minified front end and no auto-reload.

    Returns:
        The argument list.
    """
    command = [sys.executable, "-m", "solara", "run", "abm.workshop.app",
               "--host", host, "--port", str(port), "--no-open"]
    if production:
        command.append("--production")
    return command


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    parser = argparse.ArgumentParser(
        prog="nhs-abm-workshop",
        description="Start the live workshop model in the browser (one model per session).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on; 0.0.0.0 lets others on the network join "
                             "(default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default: 8765)")
    parser.add_argument("--dev", action="store_true",
                        help="reload on code changes, unminified front end")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port: got {args.port}; allowed: 1 to 65535")
    cache_dir = ensure_assets()
    print(f"nhs-abm-workshop: open http://{args.host}:{args.port} "
          "(each browser tab gets its own model); Ctrl+C stops it")
    sys.stdout.flush()
    command = solara_command(args.host, args.port, not args.dev)
    # Become the server, so Ctrl+C or a signal to this process stops it (no orphan left).
    os.execve(command[0], command, server_environment(cache_dir))


if __name__ == "__main__":
    main()
