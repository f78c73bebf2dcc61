"""End to end in a real headless Chromium: the projects page as an analyst uses it.

``dcradar serve`` runs as a real process (uvicorn on a loopback port); Debian's
``/usr/bin/chromium`` is driven by Playwright (never ``playwright install``).
One test, in the order an analyst works: open the projects page, see the map
markers, apply a facet, run a full-text search, download the CSV (which must
equal ``dcradar export --what projects --format csv`` byte for byte), look at
the dashboard chart, and leave a screenshot. Every request the browser makes
is checked: none may leave the machine.

Without Chromium or Playwright the test is skipped, unless
``DCRADAR_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import REPO
from datasette_support import gold_served_db
from nightly_support import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ARTIFACTS = REPO / "tests" / "artifacts"


def _browser_or_skip():
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} missing (apt-get install -y chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "the playwright package is not installed"
        sync_playwright = None
    if reason:
        if os.environ.get("DCRADAR_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = gold_served_db(tmp_path_factory.mktemp("browser"))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--db", str(db),
                             "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"dcradar serve did not start:\n{proc.stderr.read()[-3000:]}")
        time.sleep(0.3)
    yield base, db
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_projects_page_facet_search_csv_map_chart_screenshot(server, tmp_path):
    sync_playwright = _browser_or_skip()
    base, db = server
    local = {urlsplit(base).hostname}
    outside: list[str] = []
    shots = ARTIFACTS / "browser"
    if shots.exists():
        shutil.rmtree(shots)
    shots.mkdir(parents=True)

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400,
                                                                       "height": 1000})
        context.route("**/*", guard)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # 1. The projects page, with its map: markers show although no tile comes from outside.
        page.goto(f"{base}/dcradar/projects")
        assert "57 rows" in page.title()
        assert "Projects" in page.locator("h1").inner_text()
        # Column descriptions (units) are there, folded away under the title.
        assert page.locator("details.dcradar-column-descriptions dl").count() == 1
        page.wait_for_selector(".leaflet-marker-icon", timeout=20_000)
        markers = page.locator(".leaflet-marker-icon").count()
        assert markers > 0
        assert page.locator("table.rows-and-columns tbody tr").count() == 50  # page size

        # 2. A facet: click "Morocco" in the country facet.
        page.locator(".facet-info[data-column='country_name'] a",
                     has_text="Morocco").first.click()
        page.wait_for_load_state("load")
        assert parse_qs(urlsplit(page.url).query).get("country_name") == ["Morocco"]
        cells = page.locator("td.col-country").all_inner_texts()
        assert cells and set(cells) == {"MA"}

        # 3. Full-text search inside the facet: "Nouaceur".
        page.fill("input[name=_search]", "Nouaceur")
        page.locator("input[name=_search]").press("Enter")
        page.wait_for_load_state("load")
        assert parse_qs(urlsplit(page.url).query).get("_search") == ["Nouaceur"]
        names = page.locator("td.col-name").all_inner_texts()
        assert "N+One – Nouaceur (Morocco)" in names
        page.screenshot(path=str(shots / "projects-facet-search.png"), full_page=True)

        # 4. The unfiltered CSV, streamed, as the browser downloads it.
        page.goto(f"{base}/dcradar/projects")
        page.wait_for_selector(".leaflet-marker-icon", timeout=20_000)
        page.screenshot(path=str(shots / "projects.png"), full_page=True)
        form = page.locator("form.export-csv, .advanced-export form").first
        for name, on in (("_dl", True), ("_stream", True), ("_labels", False)):
            box = form.locator(f"input[name={name}]")
            if box.count():
                box.set_checked(on)
        with page.expect_download() as download_info:
            form.locator("[type=submit]").click()
        download = download_info.value
        assert "_stream=on" in download.url
        saved = tmp_path / "projects-browser.csv"
        download.save_as(saved)

        # 5. The pipeline dashboard draws its vega-lite chart.
        page.goto(f"{base}/-/dashboards/pipeline")
        page.wait_for_selector("#card-capacity-by-year svg, #card-capacity-by-year canvas",
                               timeout=20_000)
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        browser.close()

    exported = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", "--db", str(db),
                               "--what", "projects", "--format", "csv"], cwd=REPO,
                              capture_output=True, timeout=120, check=True).stdout
    assert saved.read_bytes() == exported
    assert not outside, f"requests to the internet: {outside}"
    assert not errors, errors
    print(f"\nscreenshots: {shots} ({', '.join(sorted(p.name for p in shots.iterdir()))}); "
          f"{markers} map markers")
