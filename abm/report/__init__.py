"""A self-contained, interactive HTML report of one run directory, for reading offline.

:mod:`abm.report.figures` and :mod:`abm.report.icb_figures` turn the run's tables
into Plotly figures (one function per view); :mod:`abm.report.build` reads a run
directory and writes the report (``nhs-abm-report RUN_DIR``).
"""

from .build import REQUIRED_FILES, ReportInputError, build_report

__all__ = ["REQUIRED_FILES", "ReportInputError", "build_report"]
