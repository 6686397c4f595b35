"""The front-end packages the Solara server loads from a CDN, kept in a per-user cache.

Solara's page asks its server for ``/_solara/cdn/<package>@<version>/<file>``; the
server answers from ``SOLARA_ASSETS_PROXY_CACHE_DIR/<package>@<version>/<file>``
and only goes to the CDN for a file that is not there. Filling that folder from
the npm registry (``npm pack`` of each package) lets the workshop run with no
internet at all.

The cache lives in ``$NHS_ABM_WORKSHOP_ASSETS`` if that is set, else in
``$XDG_CACHE_HOME/nhs-reform-abm/workshop-assets/cdn`` (``~/.cache/...`` when
``XDG_CACHE_HOME`` is unset): it does not depend on where the project is installed.
Each package is placed whole (extracted in a staging folder of the cache, then
renamed), so a package folder in the cache is either complete or absent.

Command line::

    python -m abm.workshop.assets list      # the package specs, one a line
    python -m abm.workshop.assets install   # fill the cache from the npm registry
    python -m abm.workshop.assets path      # where the cache is
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

CACHE_ENV = "NHS_ABM_WORKSHOP_ASSETS"
CACHE_SUBDIR = Path("nhs-reform-abm") / "workshop-assets" / "cdn"
NPM_TIMEOUT_S = 300
STAGING_PREFIX = ".staging-"
# Loaded by Solara outside its page template: requirejs (also in the template) and
# the Font Awesome stylesheet named in solara.server.settings.Assets.fontawesome_path.
_TEMPLATE = ("server", "templates", "solara.html.j2")
_SPEC = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.-]*)/")
_TAIL_LINES = 5  # lines of npm's error output quoted in an error message


class AssetCacheError(RuntimeError):
    """The front-end cache cannot be filled or its package list cannot be read."""


def default_cache_dir() -> Path:
    """Where the cache is: ``$NHS_ABM_WORKSHOP_ASSETS``, else the user's cache folder.

    Returns:
        An absolute path (it need not exist yet).
    """
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    # The XDG base-directory spec ignores a relative XDG_CACHE_HOME.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / CACHE_SUBDIR


def required_packages() -> list[str]:
    """The ``name@version`` specs the installed Solara's page loads through its CDN proxy.

    The Vue 3 app is left out: the workshop pins ipyvue below 2 (Vue 2).

    Returns:
        Sorted specs, e.g. ``["@widgetti/solara-vuetify-app@10.1.1", "requirejs@2.3.6", ...]``.

    Raises:
        AssetCacheError: If Solara's page template names no CDN package (its layout changed).
    """
    from solara.server.settings import assets

    template = resources.files("solara").joinpath(*_TEMPLATE).read_text()
    specs = {f"{name}@{version}" for name, version in _SPEC.findall(template)
             if "vuetify3" not in name}
    fontawesome = re.match(r"/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", assets.fontawesome_path)
    if fontawesome:
        specs.add(fontawesome.group(1))
    if not specs:
        raise AssetCacheError(
            f"found no CDN package in Solara's page template ({'/'.join(_TEMPLATE)}); this "
            "Solara version loads its front end differently and the cache cannot be filled")
    return sorted(specs)


def missing_packages(cache_dir: Path | None = None,
                     specs: Iterable[str] | None = None) -> list[str]:
    """The required specs that have no ``package.json`` in the cache.

    Args:
        cache_dir: The proxy cache folder (default: ``default_cache_dir()``).
        specs: The specs to look for (default: ``required_packages()``).

    Returns:
        Specs still to install (empty when the cache is complete).
    """
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    specs = required_packages() if specs is None else specs
    return [spec for spec in specs if not (cache_dir / spec / "package.json").is_file()]


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-_TAIL_LINES:]) or "no output"


def _npm_pack(npm: str, spec: str, folder: Path) -> Path:
    """Download the tarball of ``spec`` from the npm registry into ``folder``.

    Raises:
        AssetCacheError: If npm fails, times out or leaves no single tarball.
    """
    command = [npm, "pack", spec, "--silent", "--ignore-scripts"]
    try:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                              timeout=NPM_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssetCacheError(f"{spec}: `npm pack` gave no answer in {NPM_TIMEOUT_S} s "
                              "(is the npm registry reachable?)") from exc
    except OSError as exc:
        raise AssetCacheError(f"{spec}: could not run {npm}: {exc}") from exc
    if done.returncode != 0:
        raise AssetCacheError(f"{spec}: `npm pack {spec}` failed with exit code "
                              f"{done.returncode}: {_tail(done.stderr or done.stdout)}")
    tarballs = sorted(folder.glob("*.tgz"))
    if len(tarballs) != 1:
        raise AssetCacheError(f"{spec}: `npm pack {spec}` left {len(tarballs)} tarballs "
                              "instead of one")
    return tarballs[0]


def _extract_package(spec: str, tarball: Path, folder: Path) -> Path:
    """Extract the tarball's ``package/`` folder into ``folder``.

    Raises:
        AssetCacheError: If the tarball is unreadable or has no ``package/package.json``.
    """
    try:
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/")]
            if not members:
                raise AssetCacheError(f"{spec}: the tarball {tarball.name} has no package/ "
                                      "folder")
            archive.extractall(folder, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:  # truncated, corrupt
        raise AssetCacheError(f"{spec}: cannot extract {tarball.name}: {exc}") from exc
    package = folder / "package"
    if not (package / "package.json").is_file():
        raise AssetCacheError(f"{spec}: the tarball {tarball.name} has no package/package.json")
    return package


def _place(package: Path, target: Path) -> None:
    """Rename a complete package folder into the cache (one rename: complete or absent)."""
    if (target / "package.json").is_file():  # another installer was quicker
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # a folder without package.json: files fetched one by one, or older
        shutil.rmtree(target)
    try:
        package.rename(target)
    except OSError:
        if not (target / "package.json").is_file():  # not another installer's complete copy
            raise


def install_package(spec: str, cache_dir: Path, npm: str) -> None:
    """Fetch one package with ``npm pack`` and place it whole at ``cache_dir/spec``.

    Args:
        spec: ``name@version``.
        cache_dir: The proxy cache folder (created if absent).
        npm: The npm executable.

    Raises:
        AssetCacheError: On any failure; the cache then has no folder for ``spec``.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Staged inside the cache, so the final rename stays on one file system.
        with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=cache_dir) as staging:
            download, unpacked = Path(staging) / "download", Path(staging) / "unpacked"
            download.mkdir()
            unpacked.mkdir()
            package = _extract_package(spec, _npm_pack(npm, spec, download), unpacked)
            _place(package, cache_dir / spec)
    except OSError as exc:
        raise AssetCacheError(f"{spec}: cannot write into {cache_dir}: {exc}") from exc


def install(cache_dir: Path | None = None, specs: Iterable[str] | None = None,
            on_installed: Callable[[str], None] | None = None) -> list[str]:
    """Fill the cache from the npm registry, skipping packages already complete.

    Args:
        cache_dir: The proxy cache folder (default: ``default_cache_dir()``).
        specs: The specs to install (default: ``required_packages()``).
        on_installed: Called with each spec once it is in the cache.

    Returns:
        The specs fetched now (empty if the cache was already complete).

    Raises:
        AssetCacheError: If the list of specs is empty, npm is missing or fails, a tarball
            is unusable, or a package is still missing afterwards.
    """
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    specs = required_packages() if specs is None else list(specs)
    if not specs:
        raise AssetCacheError("the list of front-end packages to install is empty")
    todo = missing_packages(cache_dir, specs)
    npm = shutil.which("npm") if todo else None
    if todo and npm is None:
        raise AssetCacheError(f"npm not found on PATH; install Node.js (npm) to fetch "
                              f"{', '.join(todo)}")
    for spec in todo:
        install_package(spec, cache_dir, npm)
        if on_installed is not None:
            on_installed(spec)
    still_missing = missing_packages(cache_dir, specs)
    if still_missing:
        raise AssetCacheError(f"still missing in {cache_dir} after installing: "
                              f"{', '.join(still_missing)}")
    return todo


def main(argv: list[str] | None = None) -> int:
    """Command line: ``list``, ``install`` or ``path``.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 if the package list or the install failed.
    """
    parser = argparse.ArgumentParser(
        prog="python -m abm.workshop.assets",
        description="The workshop app's offline front end (Solara's CDN packages, from npm). "
                    f"Cache: ${CACHE_ENV}, else $XDG_CACHE_HOME or ~/.cache/{CACHE_SUBDIR}.")
    parser.add_argument("command", nargs="?", default="list", choices=("list", "install", "path"),
                        help="list: print the package specs (default); install: fill the "
                             "cache from the npm registry; path: print the cache folder")
    args = parser.parse_args(argv)
    cache_dir = default_cache_dir()
    try:
        if args.command == "list":
            print("\n".join(required_packages()))
        elif args.command == "path":
            print(cache_dir)
        else:
            install(cache_dir, on_installed=lambda spec: print(f"installed {spec}"))
            print(f"cache complete in {cache_dir}")
    except AssetCacheError as exc:
        print(f"abm.workshop.assets: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"abm.workshop.assets: cannot read Solara's package list: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
