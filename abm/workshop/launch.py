"""Command-line entry point ``nhs-abm-workshop``: start the live app, offline.

Points Solara's asset proxy at the project's cache of its front end (filled from
the npm registry by ``scripts/install_workshop_assets.sh``, which is run here if
the cache is incomplete), turns Solara's usage telemetry off, and runs
``solara run abm.workshop.app``. Nothing the browser loads comes from outside the
machine running the app.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .assets import CACHE_DIR, PROJECT_ROOT, missing_packages

INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_workshop_assets.sh"


def server_environment(cache_dir: Path = CACHE_DIR) -> dict[str, str]:
    """The environment the Solara server runs with.

    Args:
        cache_dir: The filled proxy cache.

    Returns:
        A copy of ``os.environ`` with the asset cache set and telemetry off.
    """
    env = dict(os.environ)
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache_dir)
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def ensure_assets(cache_dir: Path = CACHE_DIR) -> None:
    """Fill the asset cache if a package is missing.

    Raises:
        SystemExit: If packages are missing and the install script cannot run.
    """
    missing = missing_packages(cache_dir)
    if not missing:
        return
    if not INSTALL_SCRIPT.is_file() or shutil.which("bash") is None:
        sys.exit(f"nhs-abm-workshop: the app's front end is not in {cache_dir} "
                 f"(missing: {', '.join(missing)}); run scripts/install_workshop_assets.sh "
                 "from a clone of the project")
    print(f"nhs-abm-workshop: fetching the app's front end from npm ({', '.join(missing)})")
    subprocess.run(["bash", str(INSTALL_SCRIPT)], check=True)


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
    ensure_assets()
    print(f"nhs-abm-workshop: open http://{args.host}:{args.port} "
          "(each browser tab gets its own model); Ctrl+C stops it")
    sys.stdout.flush()
    command = solara_command(args.host, args.port, not args.dev)
    # Become the server, so Ctrl+C or a signal to this process stops it (no orphan left).
    os.execve(command[0], command, server_environment())


if __name__ == "__main__":
    main()
