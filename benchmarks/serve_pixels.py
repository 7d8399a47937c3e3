"""What huge images cost the server: CLIENTS concurrent uploads of a 13,000 x 13,000 PNG (a small file that
decodes to 169 million pixels, under Pillow's bomb limit), side by side against the same server with the pixel
cap raised above it, in one run (`make repro` first: it serves the train_cnn model from models/).

    make bench    (or: python -m benchmarks.serve_pixels from the repo root, inside .venv)

Prints, for each server: the answers' statuses and the growth of its peak resident memory (VmHWM) over the
burst; target with the cap (`make serve`'s MAX_MEGAPIXELS, 40): < 1 GB added for all CLIENTS uploads together.
"""

from __future__ import annotations

import io
import socket
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

from benchmarks.serve_throughput import serve

CLIENTS, SIDE = 8, 13_000


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux' VmHWM), in MB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("benchmarks.serve_pixels: no VmHWM in /proc (Linux only)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def burst(megapixels: float, image: bytes) -> tuple[list[int], float]:
    """CLIENTS concurrent uploads to a server started with --max-megapixels; (statuses, peak MB added)."""
    port = free_port()
    server = serve(port, "--max-megapixels", str(megapixels))
    try:
        before = peak_rss_mb(server.pid)
        url = f"http://127.0.0.1:{port}/api/predict/train_cnn"
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(lambda _: requests.post(url, files={"image": ("wall.png", image)}, timeout=600),
                                    range(CLIENTS)))
        return [a.status_code for a in answers], peak_rss_mb(server.pid) - before
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    buffer = io.BytesIO()
    Image.new("L", (SIDE, SIDE), 255).save(buffer, format="PNG")
    image = buffer.getvalue()
    print(f"serve_pixels: {CLIENTS} concurrent uploads of a {SIDE:,} x {SIDE:,} PNG ({len(image) / 1e3:.0f} KB, "
          f"{SIDE * SIDE / 1e6:.0f} megapixels)")
    results = {cap: burst(cap, image) for cap in (40, 200)}
    for cap, (statuses, added) in results.items():
        print(f"serve_pixels: --max-megapixels {cap}: statuses {sorted(set(statuses))}, peak memory +{added:,.0f} MB")
    capped, uncapped = results[40][1], results[200][1]
    print(f"serve_pixels: the cap adds {capped:,.0f} MB against {uncapped:,.0f} MB without it "
          f"({uncapped / max(capped, 1):.0f}x less; target < 1,000 MB): "
          + ("met" if capped < 1000 and set(results[40][0]) == {400} else "NOT met"))


if __name__ == "__main__":
    main()
