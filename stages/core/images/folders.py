"""Image folders -> a labelled manifest (path, label, and the split when the folder brings one).

Three layouts, told apart by `detect_layout`:
- `subfolders`: one folder per class (`NORMAL/`, `PNEUMONIA/`); images may sit in nested folders below it.
- `presplit`: `train/`, `val/` (or `validation/`) and `test/`, each with class folders: the download layout
  of the chest X-ray and many Kaggle sets. The split is used as given.
- `prefix`: one flat folder whose file names start with the label (`7_0012.png`).
Classes are ordered by `class_order` (numbers by value, then names alphabetically), saved with the data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from stages.core.errors import PipelineError, listed

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
SPLIT_FOLDERS = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"  # macOS zips add __MACOSX/ full of ._ resource files


def _visible(path: Path, root: Path) -> bool:
    return not any(_hidden(part) for part in path.relative_to(root).parts)


def files_in(folder: Path) -> list[Path]:
    """Every visible file below `folder`, nested folders included, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and _visible(p, folder))


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not _hidden(p.name))


def detect_layout(root: Path) -> str:
    folders = _folders(root)
    if not folders:
        return "prefix"
    if all(f.name.lower() in SPLIT_FOLDERS for f in folders) and any(f.name.lower() == "train" for f in folders):
        return "presplit"
    return "subfolders"


def class_order(labels) -> list[str]:
    """Numbers by value (2 before 10), then names alphabetically, ignoring case."""
    return sorted(set(labels), key=lambda c: (0, int(c), "") if c.isdigit() else (1, 0, c.casefold()))


def _check_case(names: list[str], where: str) -> None:
    seen: dict[str, str] = {}
    for name in names:
        if (other := seen.setdefault(name.casefold(), name)) != name:
            raise PipelineError(f"{where}: class folders '{other}' and '{name}' differ only in case; merge them "
                                "into one folder (they would become two classes)")


def _class_folders(root: Path, where: str) -> tuple[list[tuple[Path, str]], list[str]]:
    """(file, class) for every file under each class folder, and the image files lying loose beside them."""
    folders = _folders(root)
    _check_case([f.name for f in folders], where)
    rows = [(p, folder.name) for folder in folders for p in files_in(folder)]
    loose = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                   and not _hidden(p.name))
    return rows, loose


def _prefixed(root: Path, key: str) -> list[tuple[Path, str]]:
    files = [p for p in root.iterdir() if p.is_file() and not _hidden(p.name)]
    unlabelled = sorted(p.name for p in files if "_" not in p.stem or not p.stem.split("_", 1)[0])
    if unlabelled:
        raise PipelineError(
            f"{key}: {len(unlabelled)} file name(s) carry no label prefix, e.g. {', '.join(unlabelled[:3])}; "
            "name flat-layout files `<label>_<anything>.png` (like 7_0012.png), or use class sub-folders"
        )
    return sorted((p, p.stem.split("_", 1)[0]) for p in files)


def _presplit(root: Path, key: str) -> tuple[list[tuple[Path, str, str]], list[str]]:
    rows, loose = [], []
    taken: dict[str, str] = {}
    for folder in _folders(root):
        split = SPLIT_FOLDERS[folder.name.lower()]
        if split in taken:
            raise PipelineError(f"{key}: both '{taken[split]}/' and '{folder.name}/' hold a {split} split; "
                                "keep one of them")
        taken[split] = folder.name
        found, stray = _class_folders(folder, f"{key}/{folder.name}")
        rows += [(p, label, split) for p, label in found]
        loose += [f"{folder.name}/{name}" for name in stray]
    _check_case(sorted({label for _, label, _ in rows}), key)
    trained = {label for _, label, split in rows if split == "train"}
    for split in ("val", "test"):
        if unknown := sorted({label for _, label, s in rows if s == split} - trained):
            raise PipelineError(f"{key}: {taken[split]}/ holds class(es) {', '.join(unknown)} that "
                                f"{taken['train']}/ lacks; a network cannot learn a class it never sees in training")
    return rows, loose


def empty_class_folders(root: Path) -> list[str]:
    """Class folders that hold no file at all (perhaps only empty sub-folders): they would silently be no class.
    Searched under root and, for a presplit layout, under each split folder."""
    if not root.is_dir():
        return []
    parents = _folders(root) if detect_layout(root) == "presplit" else [root]
    return [str(folder.relative_to(root)) + "/" for parent in parents for folder in _folders(parent)
            if not files_in(folder)]


def list_images(root: Path, layout: str, *, section: str) -> tuple[pd.DataFrame, list[str]]:
    """(path, label[, split]) for every file, and the image files found loose beside class folders (which
    belong to no class). A `split` column comes only with the presplit layout. Errors name `<section>.source`
    and `.layout`."""
    key = f"{section}.source"
    if not root.is_dir():
        raise PipelineError(f"{key} = '{root}' is not a folder; point it at a folder of images under data/raw/images/")
    layout = detect_layout(root) if layout == "auto" else layout
    if layout == "subfolders":
        names = [f.name for f in _folders(root)]
        splits = [f"{n}/" for n in names if n.lower() in SPLIT_FOLDERS]
        others = [f"{n}/" for n in names if n.lower() not in SPLIT_FOLDERS]
        # e.g. a download with a copy of itself (chest_xray/) nested beside its train/ val/ test/
        if "train/" in map(str.lower, splits) and len(splits) > 1 and others:
            raise PipelineError(f"{key} = '{root}' holds {', '.join(splits)} beside other folders "
                                f"({', '.join(others)}), which would all become classes; point {key} at a "
                                "folder holding only train/ val/ test/, or move the other folders out")
    loose: list[str] = []
    if layout == "presplit":
        if detect_layout(root) != "presplit":
            raise PipelineError(f"{section}.layout = presplit, but {root} holds no train/ folder beside val/ and "
                                "test/ (and nothing else); use layout: auto")
        rows, loose = _presplit(root, key)
        frame = pd.DataFrame(rows, columns=["path", "label", "split"])
    else:
        if layout == "subfolders":
            rows, loose = _class_folders(root, key)
        else:
            rows = _prefixed(root, key)
        frame = pd.DataFrame(rows, columns=["path", "label"])
    if frame.empty:
        raise PipelineError(f"{key} = '{root}' holds no image files; add images (class sub-folders, "
                            "label-prefixed names, or train/ val/ test/ folders of class sub-folders)")
    return frame.astype({"path": str}), loose


def _carve(index: pd.Index, labels: pd.Series, groups: pd.Series | None, share: float, seed: int, what: str,
           key: str):
    """(rest, carved) of `index`: `share` of it, stratified by label and seeded. With groups, whole groups are
    carved (StratifiedGroupKFold's first fold of round(1/share)), so the share is near, not exact; `key` sets the
    groups."""
    if groups is None:
        return train_test_split(index, test_size=share, stratify=labels[index], random_state=seed)
    folds = max(2, round(1 / share))
    if (n := groups[index].nunique()) < folds:
        raise PipelineError(f"{key} finds {n} groups among {len(index)} images, too few to carve a {what} "
                            f"split of {share:g} (it needs {folds}); loosen the pattern or add images")
    picker = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    rest, carved = next(picker.split(index, labels[index], groups[index]))
    return index[rest], index[carved]


def split_manifest(manifest: pd.DataFrame, val_size: float, test_size: float, seed: int,
                   groups: pd.Series | None = None, *, section: str) -> pd.Series:
    """A seeded, stratified train/val/test assignment per row; with `groups` (`<section>.group`), each group on one
    side."""
    counts = two_classes(manifest)
    rare = counts[counts < 3]
    if len(rare):
        raise PipelineError(f"class {rare.index[0]!r} has {rare.iloc[0]} image(s); each class needs at least 3 "
                            "(one per split): add images or remove the class")
    try:
        rest, test = _carve(manifest.index, manifest["label"], groups, test_size, seed, "test", f"{section}.group")
        train, val = _carve(rest, manifest["label"], groups, val_size / (1 - test_size), seed, "val",
                            f"{section}.group")
    except ValueError as exc:
        raise PipelineError(f"{section}.val_size / {section}.test_size cannot split {len(manifest)} images in "
                            f"{len(counts)} classes ({exc}); add images or raise the sizes") from None
    split = pd.Series("train", index=manifest.index)
    split[val], split[test] = "val", "test"
    if groups is None:
        return split
    for part in ("train", "val", "test"):
        if absent := sorted(set(counts.index) - set(manifest.loc[split == part, "label"])):
            raise PipelineError(f"{section}.group leaves class {absent[0]!r} out of the {part} split: its "
                                f"{groups[manifest['label'] == absent[0]].nunique()} group(s) cannot reach every "
                                f"split; add images of other groups, or set {section}.group: null")
    return split


def groups_of(manifest: pd.DataFrame, pattern: str, key: str) -> pd.Series:
    """Each file's group: what `pattern` finds in its name (its one parenthesised group, else the whole match)."""
    regex = re.compile(pattern)
    names = manifest["path"].map(lambda p: Path(p).name)
    found = names.map(lambda name: (m.group(1) if regex.groups else m.group(0)) if (m := regex.search(name)) else None)
    if (unmatched := names[found.isna()]).size:
        raise PipelineError(f"{key} = '{pattern}' finds no group in {len(unmatched)} file name(s), e.g. "
                            f"{listed(unmatched.tolist(), 3)}; widen the pattern (e.g. '^(person\\d+|IM-\\d+)') "
                            f"or set {key}: null")
    return found


def grouped_names(paths: list[str], key: str) -> str | None:
    """A note when file names look like they carry a group (a patient, a session): several names that are the
    same but for their last number, across many such stems, e.g. person7_virus_1.jpeg and person7_virus_2.jpeg."""
    names = pd.Series([Path(p).name for p in paths])
    stems = pd.Series([re.sub(r"\d+$", "", Path(p).stem) for p in paths])
    counts = stems[stems.str.contains(r"\d")].value_counts()  # a stem with a number of its own left: scan_ is no group
    shared = counts[counts > 1]
    if len(shared) < 3 or shared.sum() < len(paths) / 5:
        return None
    example = names[stems == shared.index[0]].tolist()[:2]
    return (f"file names look grouped ({' and '.join(example)}; {shared.sum()} of {len(paths)} names share all but "
            f"their last number with another): if a group is one patient or one session, set {key} to a regex "
            "that finds it in the name (e.g. '^(person\\d+|IM-\\d+)' for the chest X-rays), so its images stay "
            "on one side of the split")


def split_images(manifest: pd.DataFrame, group: str | None, val_size: float, test_size: float, seed: int, *,
                 section: str) -> tuple[pd.Series, pd.Series | None, list[str]]:
    """The train/val/test split (the folder's own, or seeded and stratified), each `group` (the regex
    `<section>.group` sets) on one side; with the groups found and the lines to print (the folder's own split,
    grouped-looking names)."""
    key = f"{section}.group"
    groups = groups_of(manifest, group, key) if group else None
    lines = [f"note: {note}"] if groups is None and (note := grouped_names(manifest["path"].tolist(), key)) else []
    if "split" in manifest:
        split, line = given_split(manifest, val_size, test_size, seed, groups, section=section)
        return split, groups, [*lines, line]
    return split_manifest(manifest, val_size, test_size, seed, groups, section=section), groups, lines


def two_classes(manifest: pd.DataFrame) -> pd.Series:
    counts = manifest["label"].value_counts()
    if len(counts) < 2:
        raise PipelineError(f"only one class ({counts.index[0]!r}) was found; a classifier needs at least two")
    return counts


def given_split(manifest: pd.DataFrame, val_size: float, test_size: float, seed: int,
                groups: pd.Series | None = None, *, section: str) -> tuple[pd.Series, str]:
    """A presplit folder's own split; a missing val/ or test/ is carved, stratified (by group, with `groups`),
    out of train/. The line names groups that the folder's own split puts on two sides."""
    two_classes(manifest)
    split = manifest["split"].copy()
    carved = []
    for part, share in (("test", test_size), ("val", val_size)):
        if (split == part).any():
            continue
        train = split.index[split == "train"]
        try:
            _, picked = _carve(train, manifest["label"], groups, share, seed, part, f"{section}.group")
        except ValueError as exc:
            raise PipelineError(f"{section}.{part}_size = {share} cannot carve a {part} split out of {len(train)} "
                                f"training images ({exc}); add a {part}/ folder or more images") from None
        split[picked] = part
        carved.append(f"no {part}/ folder: {section}.{part}_size = {share} of train/ carved out as {part}")
    used = ", ".join(f"{part} {int((split == part).sum())}" for part in ("train", "val", "test"))
    ignored = [f"{section}.{p}_size" for p in ("val", "test") if not any(c.startswith(f"no {p}/") for c in carved)]
    line = f"the folder's own split is used ({used})"
    if ignored:
        line += f"; {' and '.join(ignored)} ignored"
    if groups is not None and (across := sorted(g for g, sides in split.groupby(groups).nunique().items()
                                                if sides > 1)):
        carved.append(f"warning: {len(across)} group(s) have images in more than one of its splits, e.g. "
                      f"{listed(across, 3)}: a score on them is optimistic; move each "
                      "group's images into one split folder")
    return split, "; ".join([line, *carved])


def digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits as 8-bit grey images (0..16 scaled to 0..255) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.round(digits.images * 255 / 16).astype(np.uint8), digits.target


def folder_problems(empty_folders: list[str], loose: list[str], strict: bool, *, key: str) -> list[str]:
    """Class folders with no images and image files beside the class folders: errors when `key` (strict) is
    true, else the warnings to print (they are skipped)."""
    problems = [(f"class folder {folder} holds no image files (nothing, or only empty sub-folders), so it is no "
                 f"class", f"add its images, or remove it ({key}: false skips it)") for folder in empty_folders]
    if loose:
        problems.append((f"{len(loose)} image file(s) lie beside the class folders and belong to no class: "
                         f"{listed(loose)}",
                         f"move them into a class folder, or set {key}: false to skip them"))
    if strict and problems:
        raise PipelineError(f"{problems[0][0]}; {problems[0][1]}")
    return [f"skipped {line}" for line, _ in problems]
