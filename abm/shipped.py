"""Where the files shipped with the package are: Hydra's configs and the ODD document.

``configs/`` and ``docs/`` sit at the top of the source tree and are installed as the
packages ``abm.configs`` and ``abm.docs``, so a wheel installed anywhere finds them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def config_dir() -> Path:
    """The folder Hydra composes (``configs/`` in a clone)."""
    return Path(str(resources.files("abm.configs")))


def odd_path() -> Path:
    """The ODD protocol (``docs/ODD.md`` in a clone)."""
    return Path(str(resources.files("abm.docs").joinpath("ODD.md")))
