"""End to end, as a new user: a fresh copy of the repo, `dvc repro`, `dvc exp run`, a user CSV."""

import json
import os
import re
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
import yaml
from conftest import REPO, patients

from stages.io import read_object

GIT_ID = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
          "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com"}


def shell(folder: Path):
    """sh(*cmd, check=True) in `folder`, with this venv's tools first on PATH and a git identity."""
    env = {**os.environ, **GIT_ID, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def sh(*cmd, check=True):
        done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
        if check and done.returncode:
            pytest.fail(f"{' '.join(cmd)} (in {folder.name}) exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done
    return sh


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """What `git clone` would give: the tracked and not-ignored files, committed in a new repo."""
    root = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    sh = shell(root)
    sh("git", "init", "-q", "-b", "main")
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "clone")
    return root, sh


def test_repro_from_scratch_reproduces_the_committed_results(project):
    """The Quickstart's `make repro` (with this venv): one readable screen at the end, and git clean after."""
    root, sh = project
    done = sh("make", "--no-print-directory", "repro", f"VENV={Path(sys.executable).parent.parent}")
    out, printed = done.stdout, (done.stdout + done.stderr).splitlines()
    assert len(printed) <= 150, "\n".join(printed)
    assert max(map(len, printed)) <= 120, max(printed, key=len)
    assert out.rstrip().endswith((root / "reports/summary.md").read_text().rstrip())  # the last screen
    assert "Running stage 'ingest'" in out and "Running stage 'preprocess'" in out
    assert (root / "data/prepared/train.csv").is_file()
    assert (root / "models/preprocess/preprocessor.joblib").is_file()
    for stage in ("select_features", "compare_models", "tune"):
        assert f"Running stage '{stage}'" in out
    # evaluate's inputs came out byte-identical and all its outputs are committed: nothing to do
    assert "Stage 'evaluate' didn't change" in out and "Running stage 'evaluate'" not in out
    # same code + params => byte-identical outputs, so dvc.lock and the metrics stay as committed
    checked = sh(sys.executable, "tools/check_reproduced.py", check=False)
    assert checked.returncode == 0, checked.stderr
    if checked.stdout.startswith("reproduced byte for byte"):  # else another CPU: Keras within tolerance
        assert sh("git", "status", "--porcelain").stdout == ""
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout
    metrics = json.loads((root / "reports/preprocess/metrics.json").read_text())
    assert (metrics["n_train"], metrics["n_test"]) == (455, 114)
    compared = json.loads((root / "reports/compare_models/metrics.json").read_text())
    assert len(compared["cv_accuracy"]) >= 6
    assert json.loads((root / "reports/evaluate/metrics.json").read_text())["accuracy"] >= 0.95
    assert json.loads((root / "reports/train_cnn/metrics.json").read_text())["test_accuracy"] >= 0.98
    transferred = json.loads((root / "reports/transfer/metrics.json").read_text())
    assert transferred["pretrain_val_accuracy"] >= 0.95 and transferred["train_images"] == 100
    assert transferred["transfer_accuracy"] >= 0.9 and transferred["scratch_accuracy"] >= 0.9
    dense = json.loads((root / "reports/train_dnn/metrics.json").read_text())
    assert abs(dense["vs_tuned"]["accuracy"]) <= 0.03  # the dense network beside the tuned model
    clustered = json.loads((root / "reports/cluster/metrics.json").read_text())
    assert clustered["k"] == 2 and clustered["adjusted_rand"] >= 0.6 and clustered["stability_ari"] >= 0.9



# Right after the repro: the workspace holds the committed models, before any experiment replaces them.
def test_predict_command_reproduces_evaluate_and_train_cnn_test_accuracy(project):
    root, sh = project
    sh(sys.executable, "-m", "serve.predict", "tabular", "data/prepared/test.csv", "-o", "build/tabular.csv")
    labels = json.loads((root / "models/preprocess/labels.json").read_text())
    predicted = pd.read_csv(root / "build/tabular.csv")
    truth = pd.read_csv(root / "data/prepared/test.csv")[labels["target"]].map(dict(enumerate(labels["classes"])))
    accuracy = (predicted["predicted"] == truth).mean()
    assert accuracy == json.loads((root / "reports/evaluate/metrics.json").read_text())["accuracy"]

    manifest = pd.read_csv(root / "data/images/manifest.csv", dtype=str)
    test = manifest[manifest["split"] == "test"]
    sh(sys.executable, "-m", "serve.predict", "train_cnn", *test["path"], "-o", "build/images.csv")
    predicted = pd.read_csv(root / "build/images.csv", dtype={"predicted": str})
    assert predicted["file"].tolist() == test["path"].tolist() and predicted["note"].isna().all()
    accuracy = (predicted["predicted"].to_numpy() == test["label"].to_numpy()).mean()
    assert abs(accuracy - json.loads((root / "reports/train_cnn/metrics.json").read_text())["test_accuracy"]) < 1e-6


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
        assert "http" not in page.read_text().replace("http-equiv", "")  # nothing fetched from a network
        if shots:
            driver.save_screenshot(f"{shots}/run-page.png")
    finally:
        driver.quit()


def test_pull_request_report_shows_the_param_change_and_metric_deltas(project):
    root, sh = project
    sh("git", "checkout", "-q", "-b", "feature")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("  positive_class: null ", "  positive_class: benign ", 1)  # data.
                      .replace("  repeats: auto ", "  repeats: 1    ", 1)  # compare: 10 folds, not 30
                      .replace("  ensemble_top: 3 ", "  ensemble_top: 0 ", 1))  # and no voting or stacking
    assert "Running stage 'evaluate'" in sh("dvc", "repro", "evaluate").stdout  # train_dnn's run: not the point
    sh("git", "commit", "-qam", "evaluate benign as the positive class")
    sh(sys.executable, "tools/report.py", "--base", "main")
    report = (root / "build/report/report.md").read_text()
    assert re.search(r"\| params.yaml \| data.positive_class +\| - +\| benign +\|", report), report
    # benign's recall is malignant's specificity: the deltas are exact
    recall = re.search(r"\| reports/evaluate/metrics.json +\| recall +\| ([\d.]+) +\| ([\d.]+) +\| ([-\d.]+)", report)
    assert recall and float(recall[1]) < float(recall[2]) and float(recall[3]) > 0, report
    assert "Changed figures:" in report and "reports/evaluate/figures/roc.png" in report
    assert (root / "build/report/plots/index.html").is_file()
    sh("git", "checkout", "-q", "main")


def test_report_against_a_missing_ref_or_a_base_without_metrics_fails_clearly(project):
    root, sh = project
    done = sh(sys.executable, "tools/report.py", "--base", "no-such-branch", check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: report: base ref 'no-such-branch' does not exist here; fetch it")
    sh("git", "checkout", "-q", "-b", "no-metrics")
    sh("git", "rm", "-rq", "reports")
    sh("git", "commit", "-qm", "a base whose metrics are gone")
    sh("git", "checkout", "-q", "main")
    done = sh(sys.executable, "tools/report.py", "--base", "no-metrics", check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "error: report: the metrics of base 'no-metrics' cannot be loaded; run `dvc repro` there" in done.stderr


def test_report_lends_a_run_local_git_identity_when_none_is_configured(project, tmp_path):
    root, _ = project
    bare = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env = {**bare, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "tools/report.py", "--base", "main"], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "note: report: no git identity is configured; using 'ml-pipeline report <report@localhost>'" in done.stderr


def test_queued_sweep_runs_random_and_halving_search_in_parallel(project):
    """Two queued experiments: only tune and evaluate re-run, and both show their CV and test scores."""
    root, sh = project
    out = sh("dvc", "exp", "run", "--queue", "-S", "tune.search=random,halving", "evaluate").stdout
    assert out.count("Queued experiment") == 2
    sh("dvc", "queue", "start", "-j", "2")
    for _ in range(120):
        status = sh("dvc", "queue", "status").stdout
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(2)
    assert status.count("Success") == 2, status
    for name in (line.split()[1] for line in status.splitlines() if "Success" in line):
        log = sh("dvc", "queue", "logs", name).stdout
        assert "Running stage 'tune'" in log and "Running stage 'compare_models'" not in log, log
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = [run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]]
    by_search = {run["data"]["params"]["params.yaml"]["data"]["tune"]["search"]: run["data"]["metrics"] for run in runs}
    for search in ("random", "halving"):
        assert 0.9 < by_search[search]["reports/tune/metrics.json"]["data"]["best_cv_score"] <= 1
        assert by_search[search]["reports/evaluate/metrics.json"]["data"]["accuracy"] >= 0.95


def test_exp_run_changes_a_param_and_shows_it(project):
    root, sh = project
    sh("dvc", "exp", "run", "-n", "minmax", "-S", "preprocess.scale=minmax", "preprocess")  # the stage it changes
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    experiments = [exp for rev in shown for exp in (rev.get("experiments") or [])]
    runs = {run["name"]: run for exp in experiments for run in exp["revs"]}
    data = runs["minmax"]["data"]
    assert data["params"]["params.yaml"]["data"]["preprocess"]["scale"] == "minmax"
    assert data["metrics"]["reports/preprocess/metrics.json"]["data"]["n_train"] == 455
    # the workspace now holds the experiment's results: a min-max scaler was fitted
    scaler = read_object(root / "models/preprocess/preprocessor.joblib").named_transformers_["numeric"]["scale"]
    assert type(scaler).__name__ == "MinMaxScaler"


def test_exp_run_with_another_feature_selection_differs_from_the_baseline(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")  # back to the committed params
    sh("dvc", "exp", "run", "-n", "rfe", "-S", "features.method=rfe", "select_features")  # what the run is about
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    rfe = runs["rfe"]["data"]["metrics"]["reports/select_features/metrics.json"]["data"]
    baseline = json.loads(sh("git", "show", "HEAD:reports/select_features/metrics.json").stdout)
    assert rfe["n_features"] == baseline["n_features"] == 30
    assert (rfe["n_selected"], rfe["cv_score_selected"]) != (baseline["n_selected"], baseline["cv_score_selected"])
    table = pd.read_csv(root / "reports/select_features/features.csv")
    assert table["rfe_rank"].notna().all() and table["selected"].sum() == rfe["n_selected"]


def test_exp_run_trains_the_mlp_instead_of_the_cnn(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "mlp", "-S", "cnn.model=mlp", "-S", "cnn.epochs=10").stdout  # not 40
    assert "Running stage 'train_cnn'" in out and "train_cnn: mlp," in out
    assert "Running stage 'ingest_images'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    assert runs["mlp"]["data"]["metrics"]["reports/train_cnn/metrics.json"]["data"]["test_accuracy"] > 0.9


def test_exp_run_transfers_a_keras_applications_backbone_without_a_download(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    # phases and the scratch baseline with this backbone: tests/test_transfer.py; here DVC's side of it
    done = sh("dvc", "exp", "run", "-n", "mobilenet", "-S", "transfer.backbone=mobilenet_v2", "-S",
              "transfer.weights=none", "-S", "transfer.epochs=1", "-S", "transfer.fine_tune_epochs=0", "-S",
              "transfer.scratch=false")
    out = done.stdout
    assert "Running stage 'transfer'" in out and "Running stage 'train_cnn'" not in out
    # every training image (few-shot picks are the pipeline backbone's), 16 px digits resized up to 32 px
    assert "transfer: mobilenet_v2 backbone (random weights) at 32x32 -> 10 classes from 1257 training images" in out
    assert "warning: transfer: transfer.weights = none: phase 1 freezes a backbone of random weights" in done.stderr
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    metrics = runs["mobilenet"]["data"]["metrics"]["reports/transfer/metrics.json"]["data"]
    assert {"transfer_accuracy", "phase1"} <= set(metrics) and not {"phase2", "scratch"} & set(metrics)


def test_exp_run_on_diabetes_is_a_regression_with_no_other_change(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "diabetes", "-S", "data.dataset=diabetes", "-S", "compare.repeats=1").stdout
    assert "task regression (auto: 'target' holds 214 distinct whole numbers" in out
    for stage in ("ingest", "preprocess", "select_features", "compare_models", "tune", "evaluate", "train_dnn",
                  "cluster"):
        assert f"Running stage '{stage}'" in out
    assert "Running stage 'train_cnn'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    metrics = runs["diabetes"]["data"]["metrics"]["reports/evaluate/metrics.json"]["data"]
    assert metrics["r2"] >= 0.40 and metrics["rmse"] > 0 and metrics["mae"] > 0
    dense = runs["diabetes"]["data"]["metrics"]["reports/train_dnn/metrics.json"]["data"]
    assert dense["r2"] >= 0.40 and dense["vs_tuned"]["r2"] == pytest.approx(dense["r2"] - metrics["r2"])
    assert abs(metrics["baseline"]["r2"]) < 0.05 and metrics["baseline"]["rmse"] > metrics["rmse"]
    plots = json.loads(sh("dvc", "plots", "show", "--json").stdout)["data"]  # the workspace: diabetes
    assert plots["evaluate_predicted_vs_actual"][0]["type"] == "vega"
    assert plots["reports/evaluate/details/confusion.csv"] == []
    sh("git", "checkout", "-q", "--", ".")  # back to the committed classification results
    sh("git", "clean", "-fdq", "reports")
    sh("dvc", "checkout", "--force")


def test_exp_run_with_another_learning_rate_redraws_the_lessons_from_scratch(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "slower", "-S", "scratch.learning_rate=0.05").stdout
    assert "Running stage 'nets_from_scratch'" in out and "Running stage 'ingest'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    slower = runs["slower"]["data"]["metrics"]["reports/nets_from_scratch/metrics.json"]["data"]
    committed = json.loads(sh("git", "show", "HEAD:reports/nets_from_scratch/metrics.json").stdout)
    assert slower["momentum_final_loss"] != committed["momentum_final_loss"]
    assert slower["iris_test_accuracy"] >= 0.9
    changed = sh("git", "status", "--porcelain", "reports/nets_from_scratch").stdout  # the workspace: redrawn
    assert "perceptron.png" in changed and "delta_rule.png" in changed
    sh("git", "checkout", "-q", "--", ".")


def test_exp_run_on_iris_clusters_and_trains_every_tabular_model(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "iris3", "-S", "data.dataset=iris", "-S", "cluster.k=3",
             "-S", "compare.repeats=1", "-S", "compare.ensemble_top=0").stdout  # the comparison is not the point
    assert "Running stage 'cluster'" in out and "Running stage 'train_dnn'" in out
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "exp", "run", "-n", "unlabelled", "-S", "data.dataset=iris", "-S", "data.target=null", "cluster")
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    iris = runs["iris3"]["data"]["metrics"]["reports/cluster/metrics.json"]["data"]
    assert (iris["k"], iris["k_best_silhouette"]) == (3, 2) and iris["adjusted_rand"] >= 0.6
    dense = runs["iris3"]["data"]["metrics"]["reports/train_dnn/metrics.json"]["data"]
    assert dense["accuracy"] >= 0.85 and "accuracy_macro" not in dense and "f1_macro" in dense
    unlabelled = runs["unlabelled"]["data"]["metrics"]["reports/cluster/metrics.json"]["data"]
    assert unlabelled["k"] == 2 and unlabelled["features"] == 4 and "adjusted_rand" not in unlabelled
    # the workspace holds the unlabelled table: the supervised stages say what they need
    refused = sh("dvc", "repro", "preprocess", check=False)
    assert refused.returncode != 0 and "error: preprocess: data.target is null" in refused.stderr
    sh("git", "checkout", "-q", "--", ".")
    sh("git", "clean", "-fdq", "reports")
    sh("dvc", "checkout", "--force")

def test_plots_show_renders_the_evaluation_and_comparison_data(project):
    root, sh = project
    plots = json.loads(sh("dvc", "plots", "show", "--json").stdout)["data"]
    kinds = {path: entry[0]["type"] for path, entry in plots.items() if entry}
    for data in ("evaluate/details/confusion.csv", "evaluate/details/roc.csv", "evaluate/details/precision_recall.csv",
                 "compare_models/fold_scores.csv", "select_features/curve.csv"):
        assert kinds[f"reports/{data}"] == "vega", data
    confusion = plots["reports/evaluate/details/confusion.csv"][0]["content"]
    assert {"actual", "predicted"} <= set(confusion["data"]["values"][0])
    assert kinds["cnn_loss"] == kinds["cnn_accuracy"] == "vega"  # DVCLive's curves, train vs eval on one chart
    assert len(plots["cnn_loss"][0]["content"]["data"]["values"]) > 10
    assert kinds["transfer_loss"] == kinds["transfer_phase"] == "vega"  # both phases, one curve
    assert plots["evaluate_predicted_vs_actual"] == []  # regression's plot: its data is absent here
    for image in ("evaluate/figures/confusion.png", "evaluate/figures/roc.png", "compare_models/boxplot.png",
                  "train_cnn/curves.png", "transfer/curves.png"):
        assert kinds[f"reports/{image}"] == "image", image


def test_user_csv_tracked_by_dvc_reruns_when_its_content_changes(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "checkout", "--force")  # the committed outputs: an earlier experiment's model would be retrained
    csv = root / "data/raw/tables/patients.csv"
    patients().to_csv(csv, index=False)
    sh("dvc", "add", "data/raw/tables/patients.csv")
    assert (root / "data/raw/tables/patients.csv.dvc").is_file()
    # a new table re-runs the tabular branch only: the Keras stages do not depend on data/raw/tables
    status = sh("dvc", "status").stdout
    assert "ingest:" in status and "ingest_images" not in status and "train_cnn" not in status, status
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"].update(csv="data/raw/tables/patients.csv", target="outcome")
    params["compare"].update(repeats=1, folds=5, models=["logistic_regression", "knn"],
                             ensemble_top=0)  # re-running, not scores
    params["tune"].update(model="logistic_regression")  # not a 24-candidate random-forest grid
    params["dnn"].update(epochs=5)
    params["cluster"].update(k_range=[2, 4], bootstrap=2)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    out = sh("dvc", "repro").stdout
    assert "Running stage 'ingest'" in out and "Running stage 'ingest_images'" not in out
    assert pd.read_csv(root / "data/interim/dataset.csv").shape == (80, 5)
    assert json.loads((root / "models/preprocess/labels.json").read_text())["classes"] == ["neg", "pos"]
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout

    patients(n=120, seed=1).to_csv(csv, index=False)
    assert "ingest" in sh("dvc", "status").stdout
    out = sh("dvc", "repro", "preprocess").stdout  # the rest of the branch re-ran above
    assert "Running stage 'ingest'" in out and "Running stage 'preprocess'" in out
    assert json.loads((root / "reports/preprocess/metrics.json").read_text())["n_train"] == 96


def test_bad_params_stop_dvc_repro_with_one_line(project):
    root, sh = project
    params = (root / "params.yaml").read_text()
    (root / "params.yaml").write_text(params.replace("test_size: 0.2", "test_size: big"))
    done = sh("dvc", "repro", check=False)
    (root / "params.yaml").write_text(params)
    assert done.returncode != 0
    # whichever stage DVC reaches first rejects the whole file, on one line, before DVC's summary
    first_line = done.stderr.splitlines()[0]
    assert re.fullmatch(r"error: (check_params|ingest|preprocess): params.yaml: `data.test_size` = 'big': .*number.*",
                        first_line)
    assert "Traceback" not in done.stderr


def test_a_misspelt_key_stops_a_plain_repro_even_when_nothing_else_changed(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    sh("git", "clean", "-fdq", "data/raw", "reports")  # the CSV an earlier test added, its linear model's coefficients
    sh("dvc", "checkout", "--force")  # the committed results, not the last experiment's
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout
    params = (root / "params.yaml").read_text()
    misspelt = params.replace("  dataset: breast_cancer", "  dataset: breast_cancer\n  datset: iris")
    (root / "params.yaml").write_text(misspelt)
    done = sh("dvc", "repro", check=False)
    (root / "params.yaml").write_text(params)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == (
        "error: check_params: params.yaml: unknown key `data.datset`; did you mean `data.dataset`?")
    assert "Running stage 'ingest'" not in done.stdout


# A team through a DVC remote (a local folder here; S3 or SSH take the same commands): last in this module,
# since it commits the remote to the project.
def in_clone(folder: Path):
    """Like the project's sh, in another clone; returns stdout."""
    sh = shell(folder)
    return lambda *cmd: sh(*cmd).stdout


@pytest.fixture(scope="module")
def team(project, tmp_path_factory):
    """The project pushed to a bare git repo and a DVC remote, and a teammate's fresh clone with `dvc pull`."""
    root, sh = project
    shared = tmp_path_factory.mktemp("shared")
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "remote", "add", "-d", "store", str(shared / "dvc-store"))
    sh("git", "commit", "-qm", "the team's DVC remote", ".dvc/config")
    pushed = sh("dvc", "push").stdout
    sh("git", "init", "-q", "--bare", "-b", "main", str(shared / "origin.git"))
    sh("git", "push", "-q", str(shared / "origin.git"), "main")
    alice = shared / "alice"
    subprocess.run(["git", "clone", "-q", str(shared / "origin.git"), str(alice)], check=True)
    assert not (alice / "models/tune/model.joblib").exists()  # git brings no DVC output: the remote does
    pulled = in_clone(alice)("dvc", "pull")
    return root, shared, pushed, pulled


def test_dvc_push_then_a_fresh_clone_pulls_up_to_date_outputs_whose_models_predict(team):
    root, shared, pushed, pulled = team
    assert re.search(r"\d+ files? pushed", pushed), pushed
    alice = shared / "alice"
    assert re.search(r"\d+ files? (fetched|added)", pulled), pulled
    sh = in_clone(alice)
    assert "Data and pipelines are up to date" in sh("dvc", "status")
    for output in ("models/tune/model.joblib", "models/train_cnn/model.keras", "data/prepared/test.csv"):
        assert (alice / output).read_bytes() == (root / output).read_bytes(), output
    sh(sys.executable, "-m", "serve.predict", "tabular", "data/prepared/test.csv", "-o", "build/tabular.csv")
    labels = json.loads((alice / "models/preprocess/labels.json").read_text())
    truth = pd.read_csv(alice / "data/prepared/test.csv")[labels["target"]].map(dict(enumerate(labels["classes"])))
    accuracy = (pd.read_csv(alice / "build/tabular.csv")["predicted"] == truth).mean()
    assert accuracy == json.loads((alice / "reports/evaluate/metrics.json").read_text())["accuracy"]


def test_an_experiment_pushed_by_one_clone_is_pulled_applied_and_reproduced_by_another(team):
    root, shared, _, _ = team
    alice, bob = shared / "alice", shared / "bob"
    by_alice = in_clone(alice)
    ran = by_alice("dvc", "exp", "run", "-n", "three-groups", "-S", "cluster.k=3")  # the whole pipeline: up to date
    assert "Running stage 'cluster'" in ran and "Running stage 'tune'" not in ran
    assert "three-groups" in by_alice("dvc", "exp", "push", "origin", "three-groups")

    subprocess.run(["git", "clone", "-q", str(shared / "origin.git"), str(bob)], check=True)
    by_bob = in_clone(bob)
    by_bob("dvc", "exp", "pull", "origin", "three-groups")
    shown = json.loads(by_bob("dvc", "exp", "show", "--json"))
    runs = {run["name"]: run["data"] for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    assert runs["three-groups"]["params"]["params.yaml"]["data"]["cluster"]["k"] == 3
    assert runs["three-groups"]["metrics"]["reports/cluster/metrics.json"]["data"]["k"] == 3

    by_bob("dvc", "exp", "apply", "three-groups")  # params, metrics and the outputs, from the remote's cache
    assert "Data and pipelines are up to date" in by_bob("dvc", "status")
    assignments = "data/cluster/assignments.csv"
    assert (bob / assignments).read_bytes() == (alice / assignments).read_bytes()
    # and Bob really reproduces it: the stage re-run on his machine gives the same bytes
    assert "Running stage 'cluster'" in by_bob("dvc", "repro", "--force", "cluster")
    assert (bob / assignments).read_bytes() == (alice / assignments).read_bytes()
    assert (bob / "reports/cluster/metrics.json").read_bytes() == (alice / "reports/cluster/metrics.json").read_bytes()
    assert json.loads((bob / "reports/cluster/metrics.json").read_text())["k"] == 3
