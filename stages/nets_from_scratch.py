"""Stage nets_from_scratch: the lessons before Keras, in numpy (stages/core/lessons/numpy_nets.py), each a figure and a
few headline numbers: the perceptron on AND, OR and XOR and a hidden layer that solves XOR; the delta rule with
stochastic, mini-batch and batch updates; vanishing gradients in a deep sigmoid network against ReLU with He
initialisation; momentum against plain SGD; a softmax network on iris, scored on a held-out split.

No data files: the logic gates are four rows, iris is scikit-learn's. No Keras, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from stages.common import paths
from stages.common.io import write_bytes, write_json, write_table
from stages.common.runner import run_stage
from stages.core.lessons import lessons
from stages.core.lessons.numpy_nets import one_hot
from stages.core.lessons.plots import decision_figure, loss_curves_figure, vanishing_figure
from stages.core.plots import confusion_figure
from stages.params import load_params

VANISHING_WIDTH = 32


def iris_split(test_size: float, seed: int):
    """Seeded, stratified; the scaler learns the training rows only."""
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=test_size,
                                                        stratify=iris.target, random_state=seed)
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test, list(iris.target_names)


def main() -> None:
    params = load_params(sections=("seed", "scratch"))
    scratch, seed = params.scratch, params.seed
    x_train, x_test, y_train, y_test, species = iris_split(scratch.test_size, seed)
    t_train = one_hot(y_train, len(species))
    about = f"learning rate {scratch.learning_rate:g}, {scratch.epochs} epochs"

    gates = lessons.logic_gates(scratch.learning_rate, scratch.epochs, scratch.momentum, seed)
    delta = lessons.delta_rule(x_train, t_train, scratch.learning_rate, scratch.epochs, scratch.batch_size, seed)
    norms, deep_losses = lessons.vanishing_gradients(x_train, t_train, scratch, VANISHING_WIDTH, seed)
    momentum = lessons.momentum_vs_sgd(x_train, t_train, scratch, seed)
    iris = lessons.softmax_network(x_train, y_train, x_test, y_test, scratch, seed)

    last = {name: float(curve.iloc[-1]) for name, curve in delta.drop(columns="epoch").items()}
    metrics = {
        "perceptron_accuracy": {gate.lower(): a for gate, a in gates["accuracy"].items()},
        "xor_hidden_layer_accuracy": gates["xor_net_accuracy"],
        "delta_rule_final_loss": last,
        "first_layer_gradient": {"sigmoid": float(norms["sigmoid"].iloc[0]), "relu": float(norms["relu"].iloc[0])},
        "deep_final_loss": {name: float(deep_losses[name].iloc[-1]) for name in ("sigmoid", "relu")},
        "momentum_final_loss": {name: float(momentum[name].iloc[-1]) for name in ("sgd", "momentum")},
        "iris_test_accuracy": iris["accuracy"],
    }
    names = np.array(species)
    write_bytes(paths.SCRATCH_DECISIONS_PNG,
                decision_figure(gates, lessons.INPUTS, lessons.GATES, f"Perceptron vs hidden layer, {about}"))
    write_table(paths.SCRATCH_DELTA_RULE, delta)
    write_bytes(paths.SCRATCH_DELTA_RULE_PNG, loss_curves_figure(
        delta, f"Delta rule on iris (sigmoid units, squared error): updates per row, per {scratch.batch_size} rows, "
               f"per epoch; {about}", "mean squared error"))
    write_table(paths.SCRATCH_VANISHING, norms)
    write_bytes(paths.SCRATCH_VANISHING_PNG, vanishing_figure(
        norms, deep_losses,
        f"{scratch.depth} hidden layers of {VANISHING_WIDTH}: sigmoid (Glorot) vs ReLU (He), {about}"))
    write_table(paths.SCRATCH_MOMENTUM, momentum)
    write_bytes(paths.SCRATCH_MOMENTUM_PNG, loss_curves_figure(
        momentum, f"Plain SGD vs momentum {scratch.momentum:g}, iris network, batch {scratch.batch_size}, {about}",
        "cross-entropy"))
    write_table(paths.SCRATCH_CONFUSION, pd.DataFrame({"actual": names[y_test], "predicted": names[iris["predicted"]]}))
    write_bytes(paths.SCRATCH_CONFUSION_PNG, confusion_figure(
        y_test, iris["predicted"], species, f"numpy softmax network, test split ({len(y_test)} flowers)"))
    write_json(paths.SCRATCH_METRICS, metrics)
    print(f"nets_from_scratch: perceptron AND {metrics['perceptron_accuracy']['and']:.2f}, OR "
          f"{metrics['perceptron_accuracy']['or']:.2f}, XOR {metrics['perceptron_accuracy']['xor']:.2f}; hidden layer "
          f"XOR {gates['xor_net_accuracy']:.2f}; first-layer gradient sigmoid {norms['sigmoid'].iloc[0]:.2g} vs ReLU "
          f"{norms['relu'].iloc[0]:.2g}; iris test accuracy {iris['accuracy']:.4f} -> {paths.SCRATCH_METRICS.parent}/")


if __name__ == "__main__":
    run_stage("nets_from_scratch", main)
