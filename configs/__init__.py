"""Hydra's config groups, shipped inside the package as ``abm.configs`` (see pyproject.toml)."""
