"""Stage train_dnn: the course's dense network on the table, beside the tuned scikit-learn model: the same
training split and fitted preprocessing (no refit), select_features' columns (or all), a seeded validation
share for early stopping, DVCLive curves, and the test rows scored with evaluate's metric names, plus
`vs_tuned`: the difference from evaluate's model on those rows.

Classification: softmax with categorical cross-entropy. Regression: one linear unit, mse (or huber) on the
standardised target, every metric in the target's units. The saved model takes raw rows (stages.core.tabular.dense).
"""

from __future__ import annotations

import time

import numpy as np

from stages.common import paths
from stages.common.io import (
    atomic_dir,
    read_json,
    read_object,
    read_table,
    read_training_split,
    write_bytes,
    write_json,
)
from stages.common.keras_io import live_log
from stages.common.runner import run_stage
from stages.core.classes import positive_code
from stages.core.tabular import dense_plan
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "dnn"))
    dnn = params.dnn
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    task, classes = labels["task"], labels["classes"]
    metric = "accuracy" if task == "classification" else "r2"  # the log's and the curve's
    loss = dense_plan.resolve_loss(dnn.loss, task, "dnn.loss")  # every params check before TensorFlow loads (seconds)
    dense_plan.check_class_weight(dnn.class_weight, task, "dnn.class_weight")
    fit_rows, val_rows = dense_plan.validation_rows(y, dnn.val_size, task, params.seed, classes, key="dnn.val_size")
    preprocessor = read_object(paths.PREPROCESSOR)  # fitted on the training split by preprocess
    features = (read_json(paths.SELECTED)["features"] if dnn.features == "selected"
                else list(preprocessor.get_feature_names_out()))
    target, sample, scale = dense_plan.network_target(y, fit_rows, task, classes, dnn.class_weight,
                                                      labels["target_transform"], key="dnn.class_weight")
    info = {"task": task, "target": labels["target"], "classes": classes, "columns": list(X.columns),
            "features": features, **({"target_scale": scale._asdict()} if scale else {})}

    from stages.core.tabular.dense import TableNetwork, build_dense, compile_dense, fit_dense
    from stages.core.training.curves import learning_curves_figure
    from stages.core.training.live import LiveLogger
    from stages.core.training.runtime import configure  # first: TensorFlow's settings and quiet start-up, then it loads

    runtime = configure(params.seed, "off")
    x = preprocessor.transform(X)[features].to_numpy(dtype="float32")
    fit, val = ((x[r], target[r]) + (() if sample is None else (sample[r],)) for r in (fit_rows, val_rows))
    network = compile_dense(build_dense(len(features), dnn.units, dnn.dropout, dnn.batch_norm, len(classes), task),
                            loss, dnn.optimizer, dnn.learning_rate, dnn.momentum)
    print(f"train_dnn: {task}, {len(features)} features ({dnn.features}) -> {dnn.units} -> "
          f"{len(classes) or 1} output(s), {network.count_params():,} parameters; {len(fit_rows)} rows to fit, "
          f"{len(val_rows)} to validate; loss {loss}; backend {runtime['backend']}", flush=True)
    live, start = live_log(paths.DNN_LIVE_METRICS), time.perf_counter()
    history = fit_dense(network, fit, val, dnn, callbacks=(LiveLogger(live),))
    seconds, best_epoch = time.perf_counter() - start, int(np.argmin(history["val_loss"])) + 1
    live.end()

    model = TableNetwork(network, preprocessor, info)
    test = read_table(paths.TEST)  # scored once, as evaluate scores the tuned model
    metrics = dense_plan.network_metrics(model, test.drop(columns=labels["target"]), test[labels["target"]].to_numpy(),
                                         task, classes, positive_code(classes, labels.get("positive")))
    metrics |= {"vs_tuned": dense_plan.metric_deltas(metrics, read_json(paths.EVALUATE_METRICS)),
                "epochs_trained": len(history["loss"]), "best_epoch": best_epoch, "features": len(features),
                "parameters": network.count_params()}
    with atomic_dir(paths.DNN_MODEL) as folder:
        model.save(folder)
    write_json(paths.DNN_METRICS, metrics)
    write_bytes(paths.DNN_CURVES_PNG, learning_curves_figure(
        history, best_epoch, f"dense network {dnn.units}: training vs validation", metric=metric))
    print(f"train_dnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); test {metric} "
          f"{metrics[metric]:.4f} ({metrics['vs_tuned'][metric]:+.4f} vs the tuned model) -> {paths.DNN_MODEL}/, "
          f"{paths.DNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_dnn", main)
