"""The front-end packages the Solara server loads from a CDN, kept in a local cache.

Solara's page asks its server for ``/_solara/cdn/<package>@<version>/<file>``; the
server answers from ``SOLARA_ASSETS_PROXY_CACHE_DIR/<package>@<version>/<file>``
and only goes to the CDN for a file that is not there. Filling that folder from
the npm registry (``scripts/install_workshop_assets.sh`` runs ``npm pack``) lets
the workshop run with no internet at all.

Run ``python -m abm.workshop.assets`` to print the package specs, one a line.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = PROJECT_ROOT / ".workshop_assets" / "cdn"
# Loaded by Solara outside its page template: requirejs (also in the template) and
# the Font Awesome stylesheet named in solara.server.settings.Assets.fontawesome_path.
_TEMPLATE = ("server", "templates", "solara.html.j2")
_SPEC = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.-]*)/")


def required_packages() -> list[str]:
    """The ``name@version`` specs the installed Solara's page loads through its CDN proxy.

    The Vue 3 app is left out: the workshop pins ipyvue below 2 (Vue 2).

    Returns:
        Sorted specs, e.g. ``["@widgetti/solara-vuetify-app@10.1.1", "requirejs@2.3.6", ...]``.
    """
    from solara.server.settings import assets

    template = resources.files("solara").joinpath(*_TEMPLATE).read_text()
    specs = {f"{name}@{version}" for name, version in _SPEC.findall(template)
             if "vuetify3" not in name}
    fontawesome = re.match(r"/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", assets.fontawesome_path)
    if fontawesome:
        specs.add(fontawesome.group(1))
    return sorted(specs)


def missing_packages(cache_dir: Path = CACHE_DIR) -> list[str]:
    """The required specs that have no ``package.json`` in the cache.

    Args:
        cache_dir: The proxy cache folder.

    Returns:
        Specs still to install (empty when the cache is complete).
    """
    return [spec for spec in required_packages()
            if not (cache_dir / spec / "package.json").is_file()]


if __name__ == "__main__":
    print("\n".join(required_packages()))
