"""Figures of the lessons before Keras: decision boundaries, loss curves, gradient norms per layer."""

from __future__ import annotations

import numpy as np

from stages.core.plots import plt, png


def decision_figure(gates: dict, inputs: np.ndarray, truth: dict, title: str) -> bytes:
    """Each gate's perceptron (a straight line), then the hidden-layer network on XOR (a bent boundary)."""
    grid = np.linspace(-0.5, 1.5, 201)
    xx, yy = np.meshgrid(grid, grid)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    panels = [(f"perceptron: {gate}", p.predict, truth[gate], gates["accuracy"][gate])
              for gate, p in gates["perceptrons"].items()]
    panels.append(("one hidden layer: XOR", lambda x: gates["xor_net"].forward(x).argmax(axis=1), truth["XOR"],
                   gates["xor_net_accuracy"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4.2), layout="constrained")
    for ax, (name, predict, target, accuracy) in zip(axes, panels, strict=True):
        ax.contourf(xx, yy, predict(points).reshape(xx.shape), levels=[-0.5, 0.5, 1.5], colors=["#cfe2f3", "#f4cccc"])
        for value, colour in ((0, "tab:blue"), (1, "tab:red")):
            ax.scatter(*inputs[target == value].T, s=160, color=colour, edgecolors="black", label=f"output {value}")
        ax.set(title=f"{name}\naccuracy {accuracy:.2f}", xlabel="x1", ylabel="x2", xticks=[0, 1], yticks=[0, 1])
        ax.set_aspect("equal")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    return png(fig)


def loss_curves_figure(curves, title: str, ylabel: str = "training loss") -> bytes:
    """Every column but `epoch` as one line, log scale: early and late epochs both readable."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for column in curves.columns.drop("epoch"):
        ax.plot(curves["epoch"], curves[column], label=column.replace("_", " "))
    ax.set(xlabel="epoch", ylabel=ylabel, yscale="log", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return png(fig)


def vanishing_figure(norms, losses, title: str) -> bytes:
    """Left: the gradient's size per layer before training (log scale); right: the loss per epoch."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    for column, style in (("sigmoid", "o-"), ("relu", "s-")):
        left.plot(norms["layer"], norms[column], style, label=column)
        right.plot(losses["epoch"], losses[column], label=column)
    left.set(xlabel="dense layer (1 = nearest the input)", ylabel="‖dL/dW‖ at the start", yscale="log",
             title="Gradient norm per layer", xticks=list(norms["layer"]))
    right.set(xlabel="epoch", ylabel="training loss", yscale="log", title="Training loss")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    fig.suptitle(title)
    return png(fig)
