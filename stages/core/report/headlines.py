"""The run in one screen: each stage's headline number beside what it must beat, from the metrics files alone.

`make repro` prints it last, and the summary stage writes it to reports/summary.md; since it reads only
metrics.json files, any run's summary can be rebuilt from `dvc exp` results. At most WIDTH characters a line:
a long line wraps under its stage's name.
"""

from __future__ import annotations

import textwrap

from stages.core.ensembles import ensemble_words

WIDTH = 100
NAME = 17  # the stage column: nets_from_scratch
SIGNIFICANT = 0.05  # the corrected t-test's p-value under which a difference counts


def headlines(metrics: dict[str, dict], task: str) -> dict[str, str]:
    """Each stage's headline, in pipeline order: `metrics` maps a stage to its metrics.json (a stage that did
    not run is absent, and so is its line)."""
    regression = task == "regression"
    twins = metrics.get("preprocess", {}).get("test_rows_in_training", 0)  # copies across the split: optimistic
    lines = {
        "ingest": _table,
        "preprocess": _split, "select_features": _selection, "compare_models": _comparison, "tune": _tuning,
        "bias_variance": _bias_variance, "lessons": _ensemble_lesson,
        "evaluate": lambda e: _evaluation(e, regression, twins),
        "train_dnn": lambda d: _dense(d, regression), "cluster": _clusters, "ingest_images": _images,
        "train_cnn": _network, "transfer": _transfer, "nets_from_scratch": _scratch,
    }
    metrics = metrics | ({"lessons": metrics["compare_models"]} if "compare_models" in metrics else {})
    return {stage: text for stage, line in lines.items() if stage in metrics and (text := line(metrics[stage]))}


def screen(lines: dict[str, str], source: str, target: str, task: str, classes: list[str] = ()) -> list[str]:
    """The screen: a title (with the classes as the table writes them), one wrapped entry per stage, and where to
    look next."""
    out = [f"Summary: {task} of {target!r}{_into(list(classes))} from {source}", ""]
    for stage, text in lines.items():
        out += textwrap.wrap(text, WIDTH, initial_indent=f"{stage:<{NAME}} ", subsequent_indent=" " * (NAME + 1))
    return out + ["", "Figures: open reports/index.html in a browser (one page for the run), or `dvc plots show`.",
                  "Compare runs: dvc exp show --only-changed; dvc metrics diff; dvc exp run -S key=value."]


def _into(classes: list[str]) -> str:
    if not classes:
        return ""
    if len(classes) <= 4:
        return " into " + " or ".join([", ".join(classes[:-1]), classes[-1]])
    return f" into {len(classes)} classes ({', '.join(classes[:3])}, ..., {classes[-1]})"


def _significance(p: float | None) -> str:
    if p is None:
        return ""
    return "significant" if p < SIGNIFICANT else "not significant"


def _table(p: dict) -> str:
    seen = f"; each column seen: {p['table_report']}" if p.get("table_report") else ""
    return f"{p['rows']:,} rows x {p['columns']} columns{seen}"


def _split(p: dict) -> str:
    return f"{p['n_train']:,} training / {p['n_test']:,} test rows, {p['n_features']} features"


def _selection(s: dict) -> str:
    return (f"kept {s['n_selected']} of {s['n_features']} features: CV score {s['cv_score_selected']:.4f} "
            f"vs {s['cv_score_all']:.4f} with all")


def _measured(c: dict) -> str:
    """What the comparison measured: its folds and repeats, and the models racing stopped early."""
    rules, stopped = c.get("size_rules", {}), c.get("stopped", {})
    if "folds" not in rules:
        return ""
    raced = f"; {', '.join(stopped)} raced out" if stopped else ""
    return f" ({rules['repeats']}x{rules['folds']}-fold CV{raced})"


def _comparison(c: dict) -> str:
    if "winner" not in c:
        return ""
    metric = next(key for key in c["winner"] if not key.endswith("_std"))  # compare.sort_by
    ranks = c.get(f"cv_{metric}", {})
    winner = next((name for name, score in ranks.items() if score == c["winner"][metric]), "the winner")
    text = f"{winner} best of {len(ranks)} models{_measured(c)}: CV {metric} {c['winner'][metric]:.4f}"
    if winner == "ensemble_selection" and c.get("ensemble_selection"):
        text += f" ({ensemble_words(c['ensemble_selection'])})"
    if vs := c.get("winner_vs_runner_up"):
        text += (f", {vs['difference']:+.4f} over the runner-up ({_significance(vs['p_value'])}, "
                 f"p = {vs['p_value']:.2f})")
    if ens := c.get("combined_vs_alone"):
        text += (f"; combined {ens['combined']} vs the best stand-alone {ens['alone']} {ens['difference']:+.4f} "
                 f"({_significance(ens['p_value'])})")
    return text


def _ensemble_lesson(c: dict) -> str:
    """The course's bagging/boosting lesson, from compare's metrics: beside the bias-variance verdict, not in
    compare's headline (which asks whether combining the top models is worth it)."""
    if not (e := c.get("ensemble_learners_vs_single")):
        return ""
    return (f"ensemble learners (bagging, boosting) vs single learners: {e['ensemble']} vs {e['single']} "
            f"{e['difference']:+.4f} ({_significance(e['p_value'])})")


def _tuning(t: dict) -> str:
    kept = "the untuned model kept" if t.get("tuned_model_kept") is False else "tuned"
    return (f"CV {t['best_cv_score']:.4f} over {t['n_candidates']} candidates vs {t['untuned_cv_score']:.4f} "
            f"untuned: {kept}")


def _bias_variance(b: dict) -> str:
    rising = "; still rising: more rows would help" if b.get("rising") else ""
    return f"{b['verdict']}: training {b['training']:.4f}, validation {b['validation']:.4f}{rising}"


def _evaluation(e: dict, regression: bool, twins: int = 0) -> str:
    base = e.get("baseline", {})
    optimistic = f"; {twins} test rows repeat a training row: optimistic" if twins else ""
    if regression:
        return (f"test R² {e['r2']:.4f} vs {base.get('r2', 0):.4f} for the training mean; RMSE {e['rmse']:.4g} "
                f"vs {base.get('rmse', float('nan')):.4g}{optimistic}")
    text = f"test accuracy {e['accuracy']:.4f} vs {base.get('accuracy', float('nan')):.4f} for the majority class"
    if "roc_auc" in e:
        text += f"; ROC AUC {e['roc_auc']:.4f}"
    if "recall" in e:
        text += f"; sensitivity {e['recall']:.4f}"
    if top := e.get("importance", {}).get("top"):
        text += f"; top column {top}"
    return text + optimistic


def _dense(d: dict, regression: bool) -> str:
    key = "r2" if regression else "accuracy"
    return (f"test {key} {d[key]:.4f} ({d['vs_tuned'][key]:+.4f} against the tuned model), "
            f"{d['epochs_trained']} epochs")


def _clusters(c: dict) -> str:
    text = f"k = {c['k']} clusters, silhouette {c['silhouette']:.3f}"
    if "adjusted_rand" in c:
        text += f"; agreement with the classes (adjusted Rand) {c['adjusted_rand']:.3f}, 0 is chance"
    return text


def _images(i: dict) -> str:
    split = i.get("split", {})
    return (f"{i['n_images']:,} images, {i['n_classes']} classes: {split.get('train', 0):,} train / "
            f"{split.get('val', 0):,} validation / {split.get('test', 0):,} test")


def _majority(m: dict) -> str:
    """An image network's baseline, when its metrics have one."""
    return f" vs {m['baseline_accuracy']:.4f} for the majority class" if "baseline_accuracy" in m else ""


def _network(n: dict) -> str:
    return f"test accuracy {n['test_accuracy']:.4f}{_majority(n)}, {n['epochs_trained']} epochs"


def _transfer(t: dict) -> str:
    text = f"test accuracy {t['transfer_accuracy']:.4f}{_majority(t)}"
    if "scratch_accuracy" in t:  # transfer.scratch: the same network from random weights
        text += f"; from scratch {t['scratch_accuracy']:.4f} ({t['transfer_gain']:+.4f} for transfer)"
    return text + f"; {t['train_images']} training images"


def _scratch(s: dict) -> str:
    xor = s.get("perceptron_accuracy", {}).get("xor")
    text = f"numpy network: iris test accuracy {s['iris_test_accuracy']:.4f}"
    if xor is not None:
        text += f"; a perceptron gets XOR {xor:.2f}, a hidden layer {s['xor_hidden_layer_accuracy']:.2f}"
    return text
