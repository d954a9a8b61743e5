"""Chromium peer: Debian's headless Chromium driven by Selenium through Debian's chromedriver.

No browser download step: both binaries come from ``tests/peers/install.sh`` (Debian packages
``chromium`` and ``chromium-driver``) and Selenium from the ``test`` extra; ``SE_OFFLINE`` keeps
Selenium Manager from fetching anything. Chromium runs with the flags a closed network needs
(no background networking, component updates or sync) and a fresh profile.

Fixtures: ``chromium`` (session; a ``selenium.webdriver.Chrome``) and ``browser`` (the same
driver with every cookie cleared before the test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._proc import require_binary

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


@pytest.fixture(scope="session")
def chromium(peer_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium under WebDriver; fails the session (never skips) if it cannot start."""
    browser = require_binary("chromium", "/usr/bin/chromium")
    driver_binary = require_binary("chromedriver", "/usr/bin/chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail('selenium is missing: pip install -e ".[test]"')
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # Network events for tests that need a URL the page never shows (a redirect's target).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(executable_path=driver_binary, log_output=str(peer_logs / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception as exc:  # surface the driver's own words, then fail loudly
        pytest.fail(f"Chromium did not start under chromedriver: {exc}")
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The session's Chromium with no cookies left from earlier tests."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return chromium
