"""The report in a real browser (Debian's Chromium driven by Playwright), fully offline.

Checks that the page loads without console errors or network requests, that every
chart renders, that hovering shows a tooltip, and that the ICB slider, the ICB
strategy buttons and the innovation dropdown change what is drawn. Skipped only
when no Chromium binary is installed (``bash scripts/install_browser.sh``).
"""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, LAUNCH_ARGS, needs_chromium

from abm.report import build_report

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report_url(small_run_dir, tmp_path_factory) -> str:
    out = build_report(small_run_dir, tmp_path_factory.mktemp("browser") / "report.html")
    return out.resolve().as_uri()


@pytest.fixture(scope="module")
def loaded(report_url):
    """The report open in Chromium, with the console errors and requests it made."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report_url, wait_until="load")
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot').length >= 8 && "
            "[...document.querySelectorAll('.js-plotly-plot')].every(d => d._fullLayout)",
            timeout=30_000)
        yield page, errors, requests
        browser.close()


def test_no_console_errors_and_no_network(loaded, report_url):
    page, errors, requests = loaded
    assert errors == []
    assert requests and set(requests) == {report_url}


def test_every_chart_renders_an_svg(loaded):
    page, _, _ = loaded
    counts = page.eval_on_selector_all(
        ".js-plotly-plot", "divs => divs.map(d => [d.id, d.querySelectorAll('svg.main-svg')"
                           ".length, d.querySelectorAll('g.trace, g.hm image').length])")
    assert len(counts) == 9  # the month-by-month views and the appraisal
    for div_id, svgs, marks in counts:
        assert svgs >= 1 and marks > 0, div_id


POINT_ON_PAGE = """([id, t, i]) => {
  const gd = document.getElementById(id);
  gd.scrollIntoView({block: "center"});
  const trace = gd._fullData[t];
  const xa = gd._fullLayout["xaxis" + trace.xaxis.slice(1)];
  const ya = gd._fullLayout["yaxis" + trace.yaxis.slice(1)];
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.d2p(trace.x[i]), box.top + ya._offset + ya.d2p(trace.y[i])];
}"""


def test_hovering_a_bar_shows_a_tooltip(loaded):
    page, _, _ = loaded
    page.evaluate("document.getElementById('fig-funnel').scrollIntoView({block: 'center'})")
    box = page.locator("#fig-funnel .bars .point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#fig-funnel .hoverlayer .hovertext", timeout=5_000)
    text = page.locator("#fig-funnel .hoverlayer .hovertext").first.text_content()
    assert "pilots" in text and "95 % CI" in text


def test_hovering_an_adoption_curve_shows_a_tooltip(loaded):
    page, _, _ = loaded
    x, y = page.evaluate(POINT_ON_PAGE, ["fig-adoption", 3, 30])  # scaler-led, month 31
    page.mouse.move(x, y)
    page.wait_for_selector("#fig-adoption .hoverlayer .hovertext", timeout=5_000)
    text = page.locator("#fig-adoption .hoverlayer .hovertext").first.text_content()
    assert "Scaler-led" in text and "95 % CI" in text


CURRENT_MONTH = ("[...document.querySelectorAll('#fig-icb-map text.slider-label')]"
                 ".find(t => t.textContent.startsWith('Month shown')).textContent")


Z = "JSON.stringify(document.getElementById('fig-icb-map').data[0].z)"
TILE_IMAGE = "document.querySelector('#fig-icb-map .hm image').getAttribute('href')"


def test_icb_slider_changes_the_tiles(loaded):
    page, _, _ = loaded
    before = page.evaluate(Z)
    assert page.evaluate(CURRENT_MONTH) == "Month shown: Mar 2028"  # opens on the last month
    image_before = page.evaluate(TILE_IMAGE)
    rail = page.locator("#fig-icb-map .slider-rail-touch-rect").first
    rail.scroll_into_view_if_needed()
    box = rail.bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)  # the first month
    page.wait_for_function(f"{CURRENT_MONTH}.includes('Apr 2025')", timeout=5_000)
    # The tiles' data and the drawn image both change (the animation may finish after the label).
    page.wait_for_function(f"([z, img]) => {Z} !== z && {TILE_IMAGE} !== img",
                           arg=[before, image_before], timeout=5_000)


def test_icb_strategy_buttons_switch_the_panel(loaded):
    page, _, _ = loaded
    visible = "document.getElementById('fig-icb-map')._fullData.map(t => t.visible)"
    assert page.evaluate(visible) == [True, False, False, False]
    page.locator("#fig-icb-map .updatemenu-button", has_text="Scaler-led").click()
    page.wait_for_function(
        "document.getElementById('fig-icb-map')._fullData[1].visible === true", timeout=5_000)
    assert page.evaluate(visible) == [False, True, False, False]


def test_innovation_dropdown_changes_the_curves(loaded):
    page, _, _ = loaded
    y = "JSON.stringify(document.getElementById('fig-adoption').data[1].y)"
    before = page.evaluate(y)
    header = page.locator("#fig-adoption .updatemenu-header-group").first
    header.scroll_into_view_if_needed()
    header.click()
    page.locator("#fig-adoption .updatemenu-item-text", has_text="Domain: Diagnostics").click()
    page.wait_for_function(
        "document.querySelector('#fig-adoption .gtitle').textContent.includes('Diagnostics')",
        timeout=5_000)
    assert page.evaluate(y) != before


def test_png_export_writes_one_image_per_chart(small_run_dir, tmp_path):
    pytest.importorskip("kaleido")
    out = build_report(small_run_dir, tmp_path / "report.html", png=True)
    images = sorted((tmp_path / "report_png").glob("*.png"))
    assert out.is_file()
    assert [p.name for p in images][:2] == ["01-adoption.png", "02-funnel.png"]
    assert len(images) == 9
    for image in images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert image.stat().st_size > 10_000
