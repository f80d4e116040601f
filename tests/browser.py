"""Headless Chromium for browser tests: Debian's package, driven by Playwright.

Playwright never downloads a browser here (no `playwright install`); it drives
`/usr/bin/chromium`, which `scripts/bootstrap` installs. In CI a missing
browser or package is a failure, elsewhere the browser tests are skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# The closed network refuses Chromium's background connections; these flags stop it trying.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"

if IN_CI:
    import playwright.async_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.async_api")

browser_marks = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not CHROMIUM.exists(), reason="chromium not installed"),
]


async def launch(pw):
    return await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
