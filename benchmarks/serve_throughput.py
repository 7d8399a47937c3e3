"""The web app under load, from one run against the waitress server on localhost (`make repro` first: it
serves the train_cnn model from models/).

    make bench    (or: python -m benchmarks.serve_throughput from the repo root, inside .venv)

Prints, for REQUESTS image uploads (a digit from the test split) to POST /api/predict/train_cnn from
CLIENTS concurrent clients: requests/s, p50 and p95 latency, errors (target 0); and the ratio of that
throughput to in-process single-image prediction (the same read -> predict -> top-5, no HTTP), target >= 0.5x.
Server and clients share this machine's cores, so treat the ratio as rough.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import requests

from serve.models import Missing, load

REPO = Path(__file__).resolve().parents[1]
CLIENTS, REQUESTS, IN_PROCESS = 8, 400, 200


def test_digit() -> bytes:
    manifest = pd.read_csv(REPO / "data/images/manifest.csv")
    return (REPO / manifest[manifest["split"] == "test"]["path"].iloc[0]).read_bytes()


def in_process_rate(image: bytes) -> float:
    """Single images per second through the server's own code path, one after another."""
    model = load("train_cnn", REPO)
    if isinstance(model, Missing):
        raise SystemExit(f"benchmarks.serve_throughput: {model.message}")
    for _ in range(20):  # warm-up
        model.top(model.probabilities_of_one(model.read(io.BytesIO(image), "x")[0]), 5)
    start = time.perf_counter()
    for _ in range(IN_PROCESS):
        model.top(model.probabilities_of_one(model.read(io.BytesIO(image), "x")[0]), 5)
    return IN_PROCESS / (time.perf_counter() - start)


def serve(port: int, *options: str) -> subprocess.Popen:
    """`python -m serve.app` on localhost:port with CLIENTS threads (and `options`), once it answers /health."""
    server = subprocess.Popen([sys.executable, "-m", "serve.app", "--port", str(port), "--threads", str(CLIENTS),
                               *options],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    for _ in range(240):
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("benchmarks.serve_throughput: the server did not start within 2 minutes")


UPLOADS = {  # how the image travels: as a browser form sends it, or as the request body
    "multipart": lambda image: {"files": {"image": ("digit.png", image)}},
    "raw body": lambda image: {"data": image, "headers": {"Content-Type": "image/png"}},
}


def load_test(url: str, image: bytes, body) -> tuple[float, np.ndarray, int]:
    """(seconds, latencies, errors) for REQUESTS uploads from CLIENTS threads, each with its own connection."""
    def client(n: int) -> tuple[list[float], int]:
        latencies, errors = [], 0
        with requests.Session() as session:
            for _ in range(n):
                start = time.perf_counter()
                answer = session.post(url, **body(image), timeout=60)
                latencies.append(time.perf_counter() - start)
                errors += answer.status_code != 200
        return latencies, errors

    for _ in range(10):  # warm-up
        requests.post(url, **body(image), timeout=60)
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, [REQUESTS // CLIENTS] * CLIENTS))
    elapsed = time.perf_counter() - start
    return elapsed, np.array([t for latencies, _ in results for t in latencies]), sum(e for _, e in results)


def main() -> None:
    image = test_digit()
    single = in_process_rate(image)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve(port)
    print(f"serve: in-process single-image prediction {single:.0f} images/s")
    try:
        for upload, body in UPLOADS.items():
            elapsed, latencies, errors = load_test(f"http://127.0.0.1:{port}/api/predict/train_cnn", image, body)
            rate = len(latencies) / elapsed
            print(f"serve, {upload}: {len(latencies)} requests from {CLIENTS} clients in {elapsed:.1f} s: "
                  f"{rate:.0f} requests/s, p50 {1000 * np.percentile(latencies, 50):.0f} ms, "
                  f"p95 {1000 * np.percentile(latencies, 95):.0f} ms, errors {errors} (target 0); "
                  f"HTTP / in-process = {rate / single:.2f}x (target >= 0.5x)")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
