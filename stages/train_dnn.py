"""Stage train_dnn: the course's dense network on the table, beside the tuned scikit-learn model: the same
training split and fitted preprocessing (no refit), select_features' columns (or all), a seeded validation
share for early stopping, DVCLive curves, and the test rows scored with evaluate's metric names, plus
`vs_tuned`: the difference from evaluate's model on those rows.

Classification: softmax with categorical cross-entropy. Regression: one linear unit, mse (or huber) on the
standardised target, every metric in the target's units. The saved model takes raw rows (stages.core.dense).
"""

from __future__ import annotations

import time

import numpy as np

from stages import paths
from stages.core.dense_plan import TargetScale, check_class_weight, resolve_loss, validation_rows
from stages.core.evaluation import average_precision, held_out_metrics, regression_metrics
from stages.core.imbalance import class_weights
from stages.core.scoring import positive_code
from stages.io import atomic_dir, read_json, read_object, read_table, read_training_split, write_bytes, write_json
from stages.params import load_params
from stages.runner import run_stage


def test_metrics(model, rows, y, labels: dict) -> dict:
    """evaluate's names: accuracy, balanced accuracy, the positive class's (or macro) precision, recall, F1,
    ROC AUC, average precision; or R², RMSE, MAE (MAPE)."""
    if labels["task"] == "regression":
        return regression_metrics(y, model.predict(rows))
    classes, positive = labels["classes"], positive_code(labels)
    scores = model.predict_proba(rows).to_numpy()
    metrics = held_out_metrics(y, scores.argmax(axis=1), scores, classes, positive)
    del metrics["per_class"]
    return {**metrics, "average_precision": average_precision(y, scores, positive, len(classes))}


def versus(ours: dict, tuned: dict) -> dict:
    """Network minus evaluate's tuned model, metric by metric (rmse, mae: negative is better)."""
    return {k: v - tuned[k] for k, v in ours.items()
            if isinstance(v, float) and isinstance(tuned.get(k), float)}


def main() -> None:
    params = load_params()
    d = params.dnn
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    task, classes = labels["task"], labels["classes"]
    # every params check before TensorFlow loads (seconds)
    loss = resolve_loss(d.loss, task, "dnn.loss")
    check_class_weight(d.class_weight, task, "dnn.class_weight")
    fit_rows, val_rows = validation_rows(y, d.val_size, task, params.seed, classes, key="dnn.val_size")
    preprocessor = read_object(paths.PREPROCESSOR)  # fitted on the training split by preprocess
    features = (read_json(paths.SELECTED)["features"] if d.features == "selected"
                else list(preprocessor.get_feature_names_out()))
    info = {"task": task, "target": labels["target"], "classes": classes, "columns": list(X.columns),
            "features": features}
    if task == "classification":
        weights = class_weights(y[fit_rows], classes, d.class_weight, "dnn.class_weight")
        target = y
    else:
        weights, scale = None, TargetScale.fit(y[fit_rows], labels["target_transform"])
        info["target_scale"] = scale._asdict()
        target = scale.forward(y).reshape(-1, 1)

    from stages.core.runtime import configure  # first: TensorFlow's settings and quiet start-up, then it loads

    from dvclive import Live

    from stages.core.dense import TableNetwork, build_dense, compile_dense, fit_dense
    from stages.core.network_plots import learning_curves_figure
    from stages.core.networks import LiveLogger
    from stages.io import write_keras, write_object

    runtime = configure(params.seed, "off")
    x = preprocessor.transform(X)[features].to_numpy(dtype="float32")
    sample = None if weights is None else weights[y].astype("float32")  # validation rows weighed alike

    def part(rows: np.ndarray) -> tuple:
        return (x[rows], target[rows]) + (() if sample is None else (sample[rows],))

    network = compile_dense(build_dense(len(features), d.units, d.dropout, d.batch_norm, len(classes), task),
                            loss, d.optimizer, d.learning_rate, d.momentum)
    print(f"train_dnn: {task}, {len(features)} features ({d.features}) -> {d.units} -> "
          f"{len(classes) or 1} output(s), {network.count_params():,} parameters; {len(fit_rows)} rows to fit, "
          f"{len(val_rows)} to validate; loss {loss}; backend {runtime['backend']}", flush=True)

    live = Live(str(paths.DNN_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
    start = time.perf_counter()
    history = fit_dense(network, part(fit_rows), part(val_rows), d.batch_size, d.epochs, d.patience,
                        callbacks=(LiveLogger(live),))
    seconds = time.perf_counter() - start
    live.end()
    best_epoch = int(np.argmin(history["val_loss"])) + 1

    model = TableNetwork(network, preprocessor, info)
    test = read_table(paths.TEST)  # scored once, as evaluate scores the tuned model
    metrics = test_metrics(model, test.drop(columns=labels["target"]), test[labels["target"]].to_numpy(), labels)
    metrics["vs_tuned"] = versus(metrics, read_json(paths.EVALUATE_METRICS))
    metrics |= {"epochs_trained": len(history["loss"]), "best_epoch": best_epoch, "features": len(features),
                "parameters": network.count_params()}
    headline = "accuracy" if task == "classification" else "r2"  # the curve's metric too

    with atomic_dir(paths.DNN_MODEL) as folder:
        write_keras(folder / TableNetwork.NETWORK, network)
        write_object(folder / TableNetwork.PREPROCESS, preprocessor)
        write_json(folder / TableNetwork.INFO, info)
    write_json(paths.DNN_METRICS, metrics)
    write_bytes(paths.DNN_CURVES_PNG, learning_curves_figure(
        history, best_epoch, f"dense network {d.units}: training vs validation", metric=headline))
    print(f"train_dnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); test {headline} "
          f"{metrics[headline]:.4f} ({metrics['vs_tuned'][headline]:+.4f} vs the tuned model) -> {paths.DNN_MODEL}/, "
          f"{paths.DNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_dnn", main)
