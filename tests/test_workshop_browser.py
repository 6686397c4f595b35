"""The live workshop app and the scenario pack in a real browser (Debian's Chromium).

The app is started as its own server process on a free port, with the offline asset
cache the ``nhs-abm-workshop`` command uses (filled from the npm registry first if a
package is missing). The tests check that the page loads
with every request answered by that server, that Play and Pause run and stop the
model, that moving a slider and pressing Step change what is drawn, that two browser
contexts get independent models, and that the scenario pack opens from a file with the
network cut and draws its charts.
Every verdict waits for a state of the page (a month read, the play loop ended as the
readout's ``data-loops`` says), never for a length of time, so a slow or busy machine
changes how long the tests take, not what they find.
Skipped only when no Chromium binary is installed (``bash scripts/install_browser.sh``).
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from urllib.parse import urlparse

import pytest
import yaml
from browser_support import CHROMIUM, LAUNCH_ARGS, needs_chromium

from abm.workshop.app import MONTHS
from abm.workshop.launch import ensure_assets, server_environment, solara_command

pytestmark = needs_chromium
PRESSURE_SLIDER = ".lever-scenario-pressure-occupancy-scale"
MONTH_JS = "+document.querySelector('.workshop-readout .readout-month')?.textContent"
# Play is shown (the page is not playing) and no play loop is still finishing a frame.
IDLE_JS = ("document.querySelector('.workshop-play')?.textContent.trim().toLowerCase() === "
           "'play' && document.querySelector('.workshop-readout .readout-loop')"
           "?.dataset.loops === '0'")
# Play runs about forty frames from month 7 to the end: Pause is seen long before, unless the
# page lags the server by many seconds; then the run ends first and the test plays it again.
PAUSE_ATTEMPTS = 3
PRESSURE_LINE_JS = ("() => Array.from(document.querySelector('.view-pressure .js-plotly-plot')"
                    "?.data.find(t => t.fill !== 'toself' && (t.yaxis ?? 'y') === 'y')?.y ?? [])")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The workshop app served by its own process; stopped after the module."""
    cache_dir = ensure_assets()
    port = _free_port()
    log = (tmp_path_factory.mktemp("workshop") / "server.log").open("w")
    server = subprocess.Popen(solara_command("127.0.0.1", port),
                              env=server_environment(cache_dir),
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the workshop server did not start; see {log.name}")
        time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Session:
    """One browser context on the app, recording every request and error it sees."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector(".workshop-readout .readout-month", timeout=90_000)

    def month(self) -> int:
        return int(self.page.inner_text(".workshop-readout .readout-month"))

    def wait_for_month(self, month: int) -> None:
        self.page.wait_for_function(f"m => ({MONTH_JS}) === m", arg=month, timeout=60_000)

    def wait_for_month_other_than(self, month: int) -> int:
        """Wait until the readout leaves ``month``; return the month it reads then."""
        self.page.wait_for_function(
            f"m => {{ const now = {MONTH_JS}; return !Number.isNaN(now) && now !== m; }}",
            arg=month, timeout=60_000)
        return self.month()

    def wait_until_idle(self) -> None:
        """Wait until the page is paused and its last play loop has ended."""
        self.page.wait_for_function(IDLE_JS, timeout=90_000)

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()

    def pressure_line(self) -> list[float]:
        """The mean-pressure line as drawn (Plotly's data of the top panel, not its band)."""
        return self.page.evaluate(PRESSURE_LINE_JS)

    def close(self) -> None:
        self.context.close()


def _hosts(urls: list[str]) -> set[str]:
    return {urlparse(u).hostname for u in urls if urlparse(u).scheme in ("http", "https", "ws",
                                                                          "wss")}


def _play_then_pause(session: Session) -> int:
    """Play three months a frame from month 1, Pause after two frames; the month once idle."""
    session.click(".workshop-play")
    session.page.wait_for_function(f"({MONTH_JS}) > 4", timeout=90_000)
    session.click(".workshop-play")
    session.wait_until_idle()
    return session.month()


def test_app_loads_offline_with_every_request_to_its_own_server(browser, app_url):
    session = Session(browser, app_url)
    page = session.page
    try:
        assert session.month() == 0
        page.wait_for_function("document.querySelectorAll('.workshop-lever').length >= 5",
                               timeout=30_000)
        session.wait_until_idle()
        session.click(".workshop-step")
        session.wait_for_month(1)
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot').length === 4 && "
            "[...document.querySelectorAll('.js-plotly-plot')].every(d => d._fullLayout)",
            timeout=60_000)
        for attempt in range(PAUSE_ATTEMPTS):
            if attempt:  # the run reached its end before Pause was seen: again from month 1
                session.click(".workshop-reset")
                session.wait_for_month(0)
                session.click(".workshop-step")
                session.wait_for_month(1)
            paused = _play_then_pause(session)
            if paused < MONTHS:
                break
        assert paused < MONTHS, f"Play ran to month {MONTHS} {PAUSE_ATTEMPTS} times despite Pause"
        assert paused % 3 == 1, paused  # whole frames of three months from month 1
        session.click(".workshop-step")  # nothing else moves the month now
        assert session.wait_for_month_other_than(paused) == paused + 1
        assert _hosts(session.requests) == {"127.0.0.1"}
        assert session.failed == [] and session.errors == []
    finally:
        session.close()


def test_slider_and_step_change_what_is_drawn(browser, app_url, tmp_path_factory):
    session = Session(browser, app_url)
    page = session.page
    try:
        session.click(".workshop-step")
        session.wait_for_month(1)
        page.wait_for_function(f"() => ({PRESSURE_LINE_JS})().length === 1", timeout=60_000)
        before = session.pressure_line()
        assert len(before) == 1
        # Move the pressure slider to its top (1.3 x the cited excess) with the keyboard.
        page.locator(f"{PRESSURE_SLIDER} [role=slider]").focus()
        page.keyboard.press("End")
        page.wait_for_function(
            "s => document.querySelector(s + ' .lever-value').textContent === '1.30'",
            arg=PRESSURE_SLIDER, timeout=30_000)
        session.wait_for_month(0)  # a new setting restarts the run
        session.click(".workshop-step")
        session.wait_for_month(1)
        page.wait_for_function(
            f"b => {{ const y = ({PRESSURE_LINE_JS})(); return y.length === 1 && y[0] !== b; }}",
            arg=before[0], timeout=60_000)
        after = session.pressure_line()
        assert after[0] > before[0]  # more occupancy, more pressure in the same month
        session.click(".workshop-year")
        session.wait_for_month(13)
        page.wait_for_function(
            "() => document.querySelector('.view-adoption .js-plotly-plot')"
            ".data.at(-1).y.length === 13", timeout=60_000)
        assert page.inner_text(".trust-profile").startswith("Trust")
        assert page.inner_text(".trust-reading")
        page.screenshot(path=str(tmp_path_factory.mktemp("shots") / "app.png"), full_page=True)
        assert session.failed == [] and session.errors == []
    finally:
        session.close()


def test_two_browser_contexts_get_independent_models(browser, app_url):
    first, second = Session(browser, app_url), Session(browser, app_url)
    try:
        first.click(".workshop-year")
        first.wait_for_month(12)
        assert second.month() == 0
        second.click(".workshop-step")
        second.wait_for_month(1)
        # One shared model would now be at month 13, and a step of the first would show 14.
        first.click(".workshop-step")
        assert first.wait_for_month_other_than(12) == 13
        second.click(".workshop-step")
        assert second.wait_for_month_other_than(1) == 2
        assert first.month() == 13
        assert _hosts(first.requests + second.requests) == {"127.0.0.1"}
    finally:
        first.close()
        second.close()


# ---------------------------------------------------------------- scenario pack, offline

@pytest.fixture(scope="module")
def pack_file(tmp_path_factory):
    from abm.workshop.pack import build_pack
    from abm.workshop.pack_run import run_scenarios
    from abm.workshop.scenarios import load_pack

    folder = tmp_path_factory.mktemp("pack_browser")
    definition = folder / "two.yaml"
    shipped = yaml.safe_load(load_pack().model_dump_json())
    shipped.update(replications=2, months=13, scenarios=shipped["scenarios"][1:3])
    definition.write_text(yaml.safe_dump(shipped))
    run_scenarios(load_pack(definition), folder / "out", progress=False)
    return build_pack(folder / "out")


def test_pack_opens_from_a_file_with_no_network_and_draws(browser, pack_file):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(pack_file.resolve().as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot').length === 4 && "
            "[...document.querySelectorAll('.js-plotly-plot')].every("
            "d => d._fullLayout && d.querySelector("
            "'.cartesianlayer path.js-line, .cartesianlayer g.point path'))", timeout=60_000)
        reveal = page.locator("details.reveal").first
        assert not reveal.locator(".model-result").is_visible()
        reveal.locator("summary").click()
        assert "95 % CI" in reveal.locator(".model-result").inner_text()
        assert errors == []
        assert {urlparse(u).scheme for u in requests} == {"file"}
    finally:
        context.close()
