"""End to end, in a real headless Chromium: the web page predicts from the reproduced models, and the run's page
opens from disk with every figure."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import requests


def chromium() -> tuple[str, str]:
    """Debian's chromium and chromedriver (.ci/run installs them; REQUIRE_BROWSER=1 there makes absence fail)."""
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        missing = "no chromium/chromedriver on PATH: apt-get install chromium chromium-driver"
        pytest.fail(missing) if os.environ.get("REQUIRE_BROWSER") else pytest.skip(missing)
    return browser, driver


@contextmanager
def serving(root: Path):
    """`python -m serve.app` (waitress) on a free localhost port, until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen([sys.executable, "-m", "serve.app", "--port", str(port)], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                pytest.fail(f"the server exited {server.returncode}:\n{server.stdout.read()}")
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(30)


def raw_post(port: int, head: bytes) -> str:
    """Send a request's head alone and read the answer until the server closes: no body is ever sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head)
        return b"".join(iter(lambda: connection.recv(4096), b"")).decode()


def test_web_page_predicts_in_a_real_browser(project):
    root, _ = project
    browser, driver_path = chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    manifest = pd.read_csv(root / "data/images/manifest.csv", dtype=str)
    digit = manifest[manifest["split"] == "test"].iloc[0]
    classes = json.loads((root / "models/preprocess/labels.json").read_text())["classes"]
    shots = os.environ.get("SCREENSHOTS") and Path(os.environ["SCREENSHOTS"]).resolve()  # README's pictures
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with serving(root) as url:
        headers = requests.get(url, timeout=10).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.get(f"{url}/models/train_cnn")
            driver.find_element(By.NAME, "image").send_keys(str(root / digit["path"]))
            driver.find_element(By.CSS_SELECTOR, "#upload button").click()
            answer = WebDriverWait(driver, 30).until(shown.presence_of_element_located((By.ID, "predicted")))
            assert answer.text == digit["label"]
            assert len(driver.find_elements(By.CSS_SELECTOR, ".bars tr")) == 5
            if shots:
                driver.save_screenshot(f"{shots}/serve-image.png")
            driver.get(f"{url}/models/tabular")
            driver.find_element(By.CSS_SELECTOR, "#row button").click()
            answer = WebDriverWait(driver, 30).until(shown.presence_of_element_located((By.ID, "predicted")))
            assert answer.text in classes
            if shots:
                driver.save_screenshot(f"{shots}/serve-table.png")
            refused = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
            assert refused == []  # the page works under its own policy
        finally:
            driver.quit()
        # bad input over real HTTP: a clear answer, and the server keeps serving
        sent = requests.post(f"{url}/api/predict/train_cnn", files={"image": ("x.png", b"\x89PNG broken")}, timeout=30)
        assert sent.status_code == 400 and sent.json()["error"].startswith("x.png: ")
        port = int(url.rsplit(":", 1)[1])
        for length in (17 << 20, 2 << 30):  # over the 16 MB limit, and 2 GiB: refused from the header, unread
            answer = raw_post(port, f"POST /api/predict/train_cnn HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                              f"image/png\r\nContent-Length: {length}\r\n\r\n".encode())
            assert answer.startswith("HTTP/1.1 413") and "exceeds max_body of 16777216" in answer, answer
        assert requests.get(f"{url}/health", timeout=5).json()["status"] == "ok"


def browser(width: int = 1100, height: int = 900):
    """Headless Chromium through Selenium."""
    binary, driver_path = chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                 "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


def test_the_run_page_opens_from_disk_with_every_figure_loaded(project):
    root, _ = project
    page = root / "reports/index.html"
    shots = os.environ.get("SCREENSHOTS") and Path(os.environ["SCREENSHOTS"]).resolve()  # README's picture
    driver = browser(1100, 1400)
    try:
        driver.get(page.as_uri())
        images = driver.find_elements("css selector", "img")
        assert len(images) >= 15  # the tabular, image and lessons figures of the default run
        broken = [img.get_attribute("src") for img in images
                  if not driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)]
        assert broken == []
        captions = driver.find_elements("css selector", "figcaption")
        assert len(captions) == len(images) and all(c.text.strip().endswith(".") for c in captions)
        assert "test accuracy" in driver.find_element("css selector", "pre").text  # the summary heads the page
        linked = driver.find_element("css selector", "#ingest ~ p a[href='ingest/table.html']")  # The data's report
        assert linked.text == "ingest/table.html"
        assert "http" not in page.read_text().replace("http-equiv", "")  # nothing fetched from a network
        if shots:
            driver.save_screenshot(f"{shots}/run-page.png")
    finally:
        driver.quit()


def test_the_table_report_opens_offline_with_every_column_of_the_table(project):
    """reports/ingest/table.html, skrub's TableReport under ingest's kinds: every breast_cancer column is on the
    page as Chromium renders it from disk, and it fetches nothing."""
    root, _ = project
    page = root / "reports/ingest/table.html"
    columns = pd.read_csv(root / "data/interim/dataset.csv", nrows=1).columns
    shots = os.environ.get("SCREENSHOTS") and Path(os.environ["SCREENSHOTS"]).resolve()  # docs/your-data.md's
    driver = browser(1300, 780)
    try:
        driver.get(page.as_uri())
        text = driver.find_element("css selector", "body").text
        assert "sklearn:breast_cancer: the table as ingest typed it" in text
        report = driver.find_element("css selector", "skrub-table-report").shadow_root  # skrub's, in its own DOM
        report.find_element("css selector", "button[data-test='summaries-tab']").click()  # the distributions
        cards = report.find_element("css selector", "#report").text
        assert [c for c in columns if c not in cards] == []
        if shots:
            driver.save_screenshot(f"{shots}/table-report.png")
        driver.execute_script("document.querySelectorAll('section.ingest details').forEach(d => d.open = true)")
        shown = driver.find_element("css selector", "section.ingest").text
        assert [c for c in columns if c not in shown] == []  # each under its kind
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        assert [r for r in resources if not r.startswith(("file:", "data:", "blob:"))] == []
    finally:
        driver.quit()


def test_hostile_labels_stay_text_in_the_table_report_as_a_browser_runs_it(tmp_path):
    """A column named like an HTML image and a class that is a script tag: Chromium shows them as text and runs
    nothing (no alert), in ingest's header and in skrub's report alike."""
    from selenium.common.exceptions import NoAlertPresentException

    from stages.core.tabular.columns import Typed
    from stages.core.tabular.table_report import report_page

    hostile, script = "<img src=x onerror=alert(1)>", "<script>alert(2)</script>"
    table = pd.DataFrame({hostile: ["a", "b", "a", "c"] * 10, "x": range(40), "y": [script, "=1+1"] * 20})
    kinds = {hostile: Typed("category", note=script), "x": Typed("number"), "y": Typed("category")}
    (tmp_path / "table.html").write_text(report_page(table, kinds, "y", script, None, 0))
    driver = browser()
    try:
        driver.get((tmp_path / "table.html").as_uri())
        time.sleep(1)
        with pytest.raises(NoAlertPresentException):
            print(driver.switch_to.alert.text)  # an alert would mean the page ran user text
        text = driver.find_element("css selector", "body").text
        assert f"{script}: the table as ingest typed it" in text and hostile in text
        assert driver.find_elements("css selector", "img[src='x']") == []
    finally:
        driver.quit()
