"""End to end in a real browser (Debian's chromium, headless, driven by Playwright): upload, watch, read."""
from __future__ import annotations

import shutil

import pytest

from microforge.modelgen import example_model
from svc import Service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

if not shutil.which(CHROMIUM):   # tools/setup.sh installs Debian's chromium; only a hand-made env lacks it
    pytest.skip(f"{CHROMIUM} is not installed (sh tools/setup.sh installs Debian's chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("browser"))
    try:
        yield svc.start(workers=0, serve_workers=1)      # the whole service from one `microforge serve`
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    pg.close()
    assert not errors, errors


def test_upload_watch_and_read_the_result(service, page, tmp_path):
    model = tmp_path / "example.tflite"
    model.write_bytes(example_model())
    page.goto(service.base + "/")
    page.set_input_files("#model", str(model))
    for box in page.locator("input[name=targets]").all():
        if box.get_attribute("value") not in ("m4", "m0plus"):
            box.uncheck()
    page.click("button[type=submit]")
    page.wait_for_url("**/jobs/*")
    job_id = page.url.rstrip("/").split("/")[-1]
    assert page.locator("#targets tbody tr").count() == 2       # the live page, one row per target
    from playwright.sync_api import Error as PlaywrightError

    seen = set()
    for _ in range(600):                                          # watch the statuses change, then the redirect
        if page.url.endswith("/result"):
            break
        try:
            seen.update(t.strip() for t in page.locator("#targets .status").all_inner_texts())
        except PlaywrightError:                                   # the page navigated to the result meanwhile
            break
        page.wait_for_timeout(200)
    page.wait_for_url("**/result", timeout=180_000)
    assert seen & {"queued", "compiling", "running"}
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    status, job = service.get_json(f"/api/jobs/{job_id}")
    assert job["status"] == "done"
    for target in ("m4", "m0plus"):
        r = job["results"][target]
        sec = page.locator(f"#result-{target}")
        assert sec.locator("td.cycles").inner_text() == f"{r['cycles']:,}"
        assert sec.locator("td.latency").inner_text().startswith(f"{r['latency_ms']:.3f} ms at {r['clock_mhz']:g} MHz")
        assert sec.locator("td.ram").inner_text() == f"{r['ram_bytes']['total']:,} B"
        assert sec.locator("td.flash").inner_text().startswith(f"{r['flash_bytes']:,} B")
        assert sec.locator("td.tflm").inner_text() == f"{job['tflm_arena']['total']:,} B"
        assert sec.locator("svg.chart rect").count() == len(r["layers"])
        assert sec.locator("img.plan").evaluate("img => img.complete && img.naturalWidth") > 0
        with page.expect_download() as dl:
            sec.locator("a.download").click()
        assert dl.value.suggested_filename.startswith(f"microforge-{target}-")
    assert page.locator("section.target-result").count() == 2


def test_bad_file_shows_the_error_page(service, page, tmp_path):
    bad = tmp_path / "notes.tflite"
    bad.write_text("these are my notes, not a model")
    page.goto(service.base + "/")
    page.set_input_files("#model", str(bad))
    page.click("button[type=submit]")
    msg = page.locator("#error-message").inner_text()
    assert msg.startswith("error: not a TensorFlow Lite model")
    assert "notes.tflite cannot be benchmarked" in page.locator("h1").inner_text()
