"""A seeded folder shaped like the pediatric chest X-rays of the course's final project, for the image defaults'
test and benchmark (benchmarks/image_defaults.py):

- `<root>/NORMAL/IM-0007-0002.jpeg` and `<root>/PNEUMONIA/person7_virus_2.jpeg`: one patient's images share the
  name's first part, so `images.group: '^(person\\d+|IM-\\d+)'` groups them, as in the real download;
- grey pictures of `side` x `side` pixels (a few stored as RGB JPEGs, as some real ones are): a smooth textured
  background with rib-like bands, whose brightness, band spacing and texture belong to the patient (so images of
  one patient on both sides of a split make a score optimistic);
- PNEUMONIA: one or two small bright patches (an opacity, about 6-10% of the side across) somewhere in the middle two
  thirds; NORMAL: none. The class is in a localised pattern, not in the picture's overall brightness.

    python -m benchmarks.photo_folder data/raw/images/xray 150      (images per class)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter

CLASSES = ("NORMAL", "PNEUMONIA")
GROUP_PATTERN = r"^(person\d+|IM-\d+)"


def patient_look(rng) -> dict:
    return {"level": rng.uniform(60, 120), "bands": rng.uniform(9, 16), "tilt": rng.uniform(-0.25, 0.25),
            "texture": rng.integers(0, 2**31)}


def picture(look: dict, sick: bool, side: int, rng) -> np.ndarray:
    """One grey picture: the patient's texture and bands, a new pose and noise, and (sick) bright patches."""
    y, x = np.mgrid[0:side, 0:side] / side
    texture = gaussian_filter(np.random.default_rng(look["texture"]).normal(0, 1, (side, side)), side / 40)
    texture /= texture.std()
    shift = rng.uniform(-0.03, 0.03)
    bands = np.sin(2 * np.pi * look["bands"] * (y + look["tilt"] * x + shift))
    body = np.exp(-(((x - 0.5) / 0.42) ** 2 + ((y - 0.5) / 0.48) ** 2) ** 2)  # a bright oval, darker corners
    image = look["level"] * body + 18 * bands * body + 14 * texture + rng.normal(0, 6, (side, side))
    if sick:
        for _ in range(rng.integers(1, 3)):
            cy, cx = rng.uniform(1 / 6, 5 / 6, 2)
            radius = rng.uniform(0.03, 0.05)
            patch = np.exp(-(((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius**2)))
            image += rng.uniform(60, 90) * patch * (1 + 0.3 * rng.normal(0, 1, (side, side)))
    return np.clip(image + 40, 0, 255).astype(np.uint8)


def write_photo_folder(root: Path, per_class: int, side: int = 300, seed: int = 0) -> Path:
    """`per_class` JPEGs per class under root/NORMAL and root/PNEUMONIA, 1 to 4 per patient."""
    rng = np.random.default_rng(seed)
    for label in CLASSES:
        (root / label).mkdir(parents=True, exist_ok=True)
        written, patient = 0, 0
        while written < per_class:
            patient += 1
            look = patient_look(rng)
            for i in range(1, min(int(rng.integers(1, 5)), per_class - written) + 1):
                sick = label == "PNEUMONIA"
                name = (f"person{patient}_{rng.choice(['virus', 'bacteria'])}_{i}.jpeg" if sick
                        else f"IM-{patient:04d}-{i:04d}.jpeg")
                image = Image.fromarray(picture(look, sick, side, rng))
                (image.convert("RGB") if written % 10 == 3 else image).save(root / label / name, quality=90)
                written += 1
    return root


if __name__ == "__main__":
    if len(sys.argv) != 3:  # `make bench` runs every module: this one only writes a folder
        print(__doc__.strip().splitlines()[-1].strip())
    else:
        write_photo_folder(Path(sys.argv[1]), int(sys.argv[2]))
