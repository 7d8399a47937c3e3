"""The lessons before Keras, each an experiment on stages.core.lessons.numpy_nets that returns its numbers (the figures
are drawn from them in scratch_plots). Every random choice comes from the seed: same params, same bytes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.core.lessons.numpy_nets import (
    SGD,
    CrossEntropy,
    Dense,
    MeanSquaredError,
    Network,
    Perceptron,
    Sigmoid,
    dense_stack,
    one_hot,
)

GATES = {  # truth tables over the inputs (0,0), (0,1), (1,0), (1,1)
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}
INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_HIDDEN = 4  # tanh units: two would do, four find it from more starting points


def logic_gates(learning_rate: float, epochs: int, momentum: float, seed: int) -> dict:
    """A perceptron per gate (AND and OR are linearly separable, XOR is not), then one hidden layer on XOR.
    Returns the fitted models and their accuracies."""
    perceptrons = {gate: Perceptron(2, learning_rate) for gate in GATES}
    accuracy = {gate: p.fit(INPUTS, GATES[gate], epochs)[-1] for gate, p in perceptrons.items()}
    net = dense_stack([2, XOR_HIDDEN, 2], "tanh", "softmax", np.random.default_rng(seed), "glorot")
    optimizer, loss, t = SGD(learning_rate, momentum), CrossEntropy(), one_hot(GATES["XOR"], 2)
    for _ in range(epochs):
        net.train_step(INPUTS, t, loss, optimizer)  # full batch: the four rows
    hidden_accuracy = float(np.mean(net.forward(INPUTS).argmax(axis=1) == GATES["XOR"]))
    return {"perceptrons": perceptrons, "accuracy": accuracy, "xor_net": net, "xor_net_accuracy": hidden_accuracy}


def delta_rule(x: np.ndarray, t: np.ndarray, learning_rate: float, epochs: int, batch_size: int,
               seed: int) -> pd.DataFrame:
    """One layer of sigmoid units with squared error: the delta rule, Δw = η (t - y) y (1 - y) x. The same
    start, learning rate and epochs with three update schedules: after every row (stochastic), after every
    `batch_size` rows (mini-batch), once per epoch on all rows (batch). Loss on all rows per epoch."""
    schedules = {"stochastic": 1, "mini_batch": batch_size, "batch": len(x)}
    curves = {"epoch": np.arange(1, epochs + 1)}
    for name, size in schedules.items():
        rng = np.random.default_rng(seed)  # the same initial weights and the same row orders for each
        net = Network([Dense(x.shape[1], t.shape[1], rng), Sigmoid()])
        optimizer = SGD(learning_rate)
        curves[name] = [net.train_epoch(x, t, MeanSquaredError(), optimizer, size, rng) for _ in range(epochs)]
    return pd.DataFrame(curves)


def gradient_norms(net: Network, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """‖dL/dW‖ per dense layer, first to last, for one full-batch backward pass (no update)."""
    loss = CrossEntropy()
    net.backward(loss.gradient(net.forward(x, training=True), t))
    return np.array([np.linalg.norm(layer.dW) for layer in net.dense_layers()])


def vanishing_gradients(x: np.ndarray, t: np.ndarray, scratch, width: int,
                        seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same depth (`scratch.depth` hidden layers of `width`) twice: sigmoid with Glorot initialisation, ReLU
    with He. Returns the gradient norm per layer at the start (deep sigmoid layers barely learn: each sigmoid scales
    the gradient by at most 1/4) and the training loss per epoch. `scratch`: the validated section of params.yaml
    (depth, learning_rate, epochs, batch_size)."""
    depth, learning_rate, epochs, batch_size = scratch.depth, scratch.learning_rate, scratch.epochs, scratch.batch_size
    sizes = [x.shape[1], *[width] * depth, t.shape[1]]
    norms, losses = {"layer": np.arange(1, depth + 2)}, {"epoch": np.arange(1, epochs + 1)}
    for activation, init in (("sigmoid", "glorot"), ("relu", "he")):
        rng = np.random.default_rng(seed)
        net = dense_stack(sizes, activation, "softmax", rng, init)
        norms[activation] = gradient_norms(net, x, t)
        optimizer = SGD(learning_rate)
        losses[activation] = [net.train_epoch(x, t, CrossEntropy(), optimizer, batch_size, rng) for _ in range(epochs)]
    return pd.DataFrame(norms), pd.DataFrame(losses)


def momentum_vs_sgd(x: np.ndarray, t: np.ndarray, scratch, seed: int) -> pd.DataFrame:
    """One network (`scratch.hidden_units`) from one start, trained with plain SGD and with `scratch.momentum`:
    loss per epoch."""
    hidden, learning_rate, momentum = scratch.hidden_units, scratch.learning_rate, scratch.momentum
    epochs, batch_size = scratch.epochs, scratch.batch_size
    curves = {"epoch": np.arange(1, epochs + 1)}
    for name, mu in (("sgd", 0.0), ("momentum", momentum)):
        rng = np.random.default_rng(seed)
        net = dense_stack([x.shape[1], hidden, t.shape[1]], "relu", "softmax", rng, "he")
        optimizer = SGD(learning_rate, mu)
        curves[name] = [net.train_epoch(x, t, CrossEntropy(), optimizer, batch_size, rng) for _ in range(epochs)]
    return pd.DataFrame(curves)


def softmax_network(x_train, y_train, x_test, y_test, scratch, seed: int) -> dict:
    """The course's iris network in numpy: hidden layer (He for ReLU, Glorot otherwise) -> softmax, cross-entropy,
    mini-batch SGD with momentum, as `scratch` (the validated section of params.yaml) sets them. Returns the loss
    per epoch and the test predictions."""
    hidden, activation, dropout = scratch.hidden_units, scratch.activation, scratch.dropout
    learning_rate, momentum = scratch.learning_rate, scratch.momentum
    epochs, batch_size = scratch.epochs, scratch.batch_size
    rng = np.random.default_rng(seed)
    k = int(y_train.max()) + 1
    net = dense_stack([x_train.shape[1], hidden, k], activation, "softmax", rng,
                      "he" if activation == "relu" else "glorot", dropout)
    optimizer, t = SGD(learning_rate, momentum), one_hot(y_train, k)
    losses = [net.train_epoch(x_train, t, CrossEntropy(), optimizer, batch_size, rng) for _ in range(epochs)]
    predicted = net.forward(x_test).argmax(axis=1)
    return {"loss": losses, "predicted": predicted, "accuracy": float(np.mean(predicted == y_test))}
