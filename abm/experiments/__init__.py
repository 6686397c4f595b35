"""Experiments: comparisons, win maps, sensitivity, Bass fits and scenario discovery.

Each experiment is a config file in ``configs/experiment/`` (documented in
``experiments/README.md``) and a module here that runs the model through
``abm.runner`` and reduces the results to tidy tables. Data flow one way:
config -> runs -> tables; nothing here changes how the model works.
"""
