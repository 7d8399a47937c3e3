"""Image folders at full size, from one run on a generated folder of 4,000 JPEGs of 512x512 (two classes).

    make bench    (or: python -m benchmarks.images_at_scale from the repo root, inside .venv)

Prints, against the targets of the image-scale work:
- ingest_images throughput with images.n_jobs 2 against 1 (target >= 1.7x on 2 cores);
- peak memory (RSS) of ingest_images, and of one epoch of train_cnn, at 2,000 and at 4,000 images
  (target: ratio <= 1.2: memory holds a chunk or a batch, not the data set);
- train_cnn's training images/s (batches read from disk by ImageBatches) against a plain model.fit on the
  same images already in memory (target >= 0.9x), after a warm-up epoch, best of ROUNDS each.
The stages run as DVC runs them (`python -m stages.<name>` in a project folder); one run, so treat the
ratios as rough on a shared machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
N_IMAGES, SIDE, IMAGE_SIZE = 4000, 512, 64
ROUNDS = 4
TRAIN_IMAGES = 1024  # per timed epoch: short epochs, more of them, for a steadier best-of


def write_jpeg(path: Path, label: int, seed: int) -> None:
    """A smooth random picture with a bright bar: across for class 0, down for class 1."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 200, (16, 16, 3)).astype(np.uint8)
    image = np.asarray(Image.fromarray(coarse).resize((SIDE, SIDE), Image.Resampling.BICUBIC), dtype=np.int16)
    image = image + rng.integers(-12, 12, image.shape, dtype=np.int16)
    where = slice(int(rng.integers(64, SIDE - 96)), None)
    if label == 0:
        image[where.start:where.start + 32, :] = 255
    else:
        image[:, where.start:where.start + 32] = 255
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path, quality=90)


def make_folders(root: Path) -> tuple[Path, Path]:
    """4,000 JPEGs in class folders, and a 2,000-image folder of hard links to half of them."""
    big, half = root / "data/raw/images/big", root / "data/raw/images/half"
    jobs = []
    for label in (0, 1):
        for folder in (big, half):
            (folder / f"class{label}").mkdir(parents=True)
        jobs += [(big / f"class{label}" / f"{i:05d}.jpg", label, label * N_IMAGES + i) for i in range(N_IMAGES // 2)]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(lambda job: write_jpeg(*job), jobs))
    for path, _, _ in jobs[::2]:
        os.link(path, half / path.parent.name / path.name)
    return big, half


def project(root: Path, source: Path, **images) -> Path:
    """A project folder with the repo's params, pointed at `source`."""
    folder = Path(tempfile.mkdtemp(dir=root))
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["images"].update(source=str(source), image_size=IMAGE_SIZE, channels=3, **images)
    params["cnn"].update(epochs=1)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    (folder / "data/raw").mkdir(parents=True)
    (folder / "data/raw/images").symlink_to(root / "data/raw/images")
    return folder


def run(stage: str, cwd: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) and last stdout line of `python -m stages.<stage>` in cwd."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # files, not pipes: wait4 reaps it
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", f"stages.{stage}"], cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest child's so far
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise SystemExit(f"{stage} failed in {cwd}: {err.read().decode()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode().strip().splitlines()[-1]


def decode_rate(line: str) -> float:
    """ingest_images' own measure, from its last line: files/s while decoding, start-up excluded."""
    return float(re.search(r"decoded (\d+) files/s", line).group(1))


def training_speed(folder: Path) -> tuple[float, float, int]:
    """Images/s of the stage's way (ImageBatches from disk) and of a fit on arrays in memory, on the same
    TRAIN_IMAGES images, alternating one-epoch fits after a warm-up, best of ROUNDS each."""
    os.chdir(folder)
    sys.path.insert(0, str(REPO))
    from stages.common.arrays import read_image_split
    from stages.core.training.runtime import configure
    from stages.params import load_params

    cnn = load_params().cnn
    configure(42, "off")
    from stages.core.images import sizing
    from stages.core.images.networks import ImageBatches, course_network

    pixels, labels = read_image_split(Path("data/images/train"))
    rows = np.arange(min(TRAIN_IMAGES, len(labels)))
    in_memory, y = pixels[rows], labels[rows]
    rules = sizing.cnn_rules(cnn, False, pixels.shape[1], len(rows), key="images.augment", section="cnn")  # no augment

    def model():
        configure(42, "off")
        return course_network(cnn, pixels.shape[1:], 2, rules, 42, key="images.image_size", section="cnn")

    from_disk, plain = model(), model()
    batches = ImageBatches(pixels, y, cnn.batch_size, rows=rows, seed=42)
    fits = {"stage": lambda: from_disk.fit(batches, epochs=1, shuffle=False, verbose=0),
            "plain": lambda: plain.fit(in_memory, y, batch_size=cnn.batch_size, epochs=1, verbose=0)}
    best = {name: 0.0 for name in fits}
    for fit in fits.values():
        fit()  # warm-up: tracing, allocation
    for _ in range(ROUNDS):  # interleaved, best of each: the least disturbed epoch
        for name, fit in fits.items():
            start = time.perf_counter()
            fit()
            best[name] = max(best[name], len(y) / (time.perf_counter() - start))
    return best["stage"], best["plain"], len(y)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="images_at_scale_"))
    try:
        start = time.perf_counter()
        big, half = make_folders(root)
        print(f"generated {N_IMAGES} JPEGs of {SIDE}x{SIDE} in {time.perf_counter() - start:.0f} s; "
              f"stages at {IMAGE_SIZE}x{IMAGE_SIZE}x3, {os.cpu_count()} cores", flush=True)

        one = project(root, big, n_jobs=1)
        two = project(root, big, n_jobs=2)
        small = project(root, half, n_jobs=2)
        wall = {1: [], 2: []}
        rate = {1: [], 2: []}
        for _ in range(2):  # alternating, best of two each
            for jobs, folder in ((1, one), (2, two)):
                seconds, rss_big, line = run("ingest_images", folder)
                wall[jobs].append(seconds)
                rate[jobs].append(decode_rate(line))
        _, rss_small, _ = run("ingest_images", small)
        print(f"ingest_images, {N_IMAGES} images, n_jobs 2 against 1: decoding {max(rate[1]):.0f} -> "
              f"{max(rate[2]):.0f} files/s: {max(rate[2]) / max(rate[1]):.2f}x (target >= 1.7); whole stage with "
              f"its ~3 s of imports {min(wall[1]):.1f} -> {min(wall[2]):.1f} s: {min(wall[1]) / min(wall[2]):.2f}x")
        print(f"ingest_images peak RSS: {rss_small:.0f} MiB at {N_IMAGES // 2}, {rss_big:.0f} MiB at {N_IMAGES} "
              f"images: ratio {rss_big / rss_small:.2f} (target <= 1.2)", flush=True)

        _, train_small, _ = run("train_cnn", small)
        _, train_big, _ = run("train_cnn", two)
        print(f"train_cnn (1 epoch) peak RSS: {train_small:.0f} MiB at {N_IMAGES // 2}, {train_big:.0f} MiB at "
              f"{N_IMAGES} images: ratio {train_big / train_small:.2f} (target <= 1.2)", flush=True)

        stage, plain, n = training_speed(two)
        print(f"train_cnn training on {n} images: {stage:.0f} images/s from disk (ImageBatches) against {plain:.0f} "
              f"in memory (plain fit): {stage / plain:.2f}x (target >= 0.9; best of {ROUNDS} epochs each)")
    finally:
        os.chdir(REPO)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
