"""Debian's Chromium for the browser tests: where it is and how it is started here.

Playwright's own browser download is not used (scripts/install_browser.sh installs
Debian's ``chromium``). The flags keep a headless Chromium from reaching out to
Google's services, which this machine's closed network refuses.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH; install it with `bash scripts/install_browser.sh`")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
