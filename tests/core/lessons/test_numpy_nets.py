"""The numpy networks proven right: every layer, activation and loss against finite differences (float64), one
SGD step against Keras from identical weights; then the lessons' outcomes and the stage nets_from_scratch."""

import json

import numpy as np
import pytest

from stages import nets_from_scratch
from stages.common import paths
from stages.core.lessons.lessons import GATES, INPUTS, logic_gates
from stages.core.lessons.numpy_nets import (
    SGD,
    CrossEntropy,
    Dense,
    Dropout,
    MeanSquaredError,
    Network,
    Perceptron,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    glorot,
    he,
)
from tests.conftest import run_ok, set_params

RNG = np.random.default_rng(0)


def numeric_gradient(f, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f() with respect to each entry of `array` (changed in place)."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        kept = array[i]
        array[i] = kept + eps
        up = f()
        array[i] = kept - eps
        down = f()
        array[i] = kept
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


class SameDraws:
    """A random source that repeats itself, so dropout keeps one mask while differences are taken."""

    def random(self, shape):
        return np.random.default_rng(1).random(shape)


LAYERS = {
    "dense": lambda: Dense(5, 3, np.random.default_rng(2)),
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "softmax": Softmax,
    "dropout": lambda: Dropout(0.3, SameDraws()),
}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layers_backward_pass_matches_finite_differences(name):
    layer = LAYERS[name]()
    x = RNG.normal(size=(4, 5 if name == "dense" else 3))
    if name == "relu":
        x[np.abs(x) < 1e-3] = 0.5  # away from the kink, where the derivative is undefined
    upstream = RNG.normal(size=layer.forward(x, training=True).shape)

    def loss():  # a scalar whose gradient wrt the layer's output is `upstream`
        return float(np.sum(layer.forward(x, training=True) * upstream))

    loss()
    analytic = layer.backward(upstream)
    assert relative_error(analytic, numeric_gradient(loss, x)) < 1e-6
    for param, grad in layer.params():
        loss()
        layer.backward(upstream)
        assert relative_error(grad.copy(), numeric_gradient(loss, param)) < 1e-6


@pytest.mark.parametrize("loss", [MeanSquaredError(), CrossEntropy()], ids=["mse", "cross_entropy"])
def test_every_loss_gradient_matches_finite_differences(loss):
    p = Softmax().forward(RNG.normal(size=(6, 4)))  # probabilities: cross-entropy's domain
    t = np.eye(4)[RNG.integers(0, 4, 6)]
    assert relative_error(loss.gradient(p, t), numeric_gradient(lambda: loss.value(p, t), p)) < 1e-6


def test_a_whole_network_back_propagates_exactly():
    rng = np.random.default_rng(3)
    net = Network([Dense(4, 6, rng, "he"), Tanh(), Dense(6, 5, rng), ReLU(), Dense(5, 5, rng), Sigmoid(),
                   Dense(5, 3, rng), Softmax()])
    x, t = rng.normal(size=(8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    loss = CrossEntropy()
    net.backward(loss.gradient(net.forward(x), t))
    for param, grad in net.params():
        analytic = grad.copy()
        assert relative_error(analytic, numeric_gradient(lambda: loss.value(net.forward(x), t), param)) < 1e-6


def test_initialisers_have_their_variance():
    rng = np.random.default_rng(4)
    assert he(400, 400, rng).var() == pytest.approx(2 / 400, rel=0.05)
    assert glorot(300, 500, rng).var() == pytest.approx(2 / 800, rel=0.05)  # U(-a, a): a² / 3 = 2 / (in + out)


def test_dropout_is_the_identity_at_inference_and_keeps_the_mean_in_training():
    layer, x = Dropout(0.5, np.random.default_rng(5)), np.ones((200, 100))
    assert (layer.forward(x) == x).all()
    dropped = layer.forward(x, training=True)
    assert set(np.unique(dropped)) == {0.0, 2.0} and dropped.mean() == pytest.approx(1.0, abs=0.02)


# numpy against Keras: the same weights, the same batch, the same SGD


def keras_steps(weights, x, y, activations: tuple, loss, sgd: tuple, steps):
    """`steps` Keras SGD steps (`sgd`: learning rate, momentum) on one batch, from `weights`; `activations`: the
    hidden layer's and the output's."""
    (hidden_activation, output), (learning_rate, momentum) = activations, sgd
    import keras

    from stages.core.training import runtime  # noqa: F401  (TensorFlow's settings and quiet start-up)

    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(weights[0].shape[1], hidden_activation),
                              keras.layers.Dense(weights[2].shape[1], output)])
    model.set_weights([w.astype("float32") for w in weights])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum), loss=loss)
    for _ in range(steps):
        model.train_on_batch(x.astype("float32"), y.astype("float32"))
    return model.get_weights()


@pytest.mark.parametrize("task, momentum, steps", [
    ("classification", 0.0, 1), ("regression", 0.0, 1), ("classification", 0.9, 3),
])
def test_sgd_steps_match_keras_from_identical_weights(task, momentum, steps):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 3))
    if task == "classification":
        hidden, out, n_out, keras_loss, loss = ReLU(), Softmax(), 3, "categorical_crossentropy", CrossEntropy()
        y = np.eye(3)[rng.integers(0, 3, 8)]
    else:
        hidden, out, n_out, keras_loss, loss = Tanh(), None, 2, "mse", MeanSquaredError()
        y = rng.normal(size=(8, 2))
    first, second = Dense(3, 4, rng), Dense(4, n_out, rng)
    net = Network([first, hidden, second] + ([out] if out else []))
    start = [first.W.copy(), first.b.copy(), second.W.copy(), second.b.copy()]
    optimizer = SGD(0.1, momentum)
    for _ in range(steps):
        net.train_step(x, y, loss, optimizer)
    ours = [first.W, first.b, second.W, second.b]
    theirs = keras_steps(start, x, y, ("relu" if task == "classification" else "tanh", "softmax" if out else None),
                         keras_loss, (0.1, momentum), steps)
    assert any(np.abs(w - s).max() > 1e-3 for w, s in zip(ours, start, strict=True))  # the step moved them
    for w, k in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(w, k, atol=1e-5)


# the lessons


@pytest.mark.parametrize("learning_rate", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("epochs", [10, 100, 1000])
def test_a_perceptron_learns_and_and_or_but_never_xor(learning_rate, epochs):
    for gate, target in GATES.items():
        accuracy = Perceptron(2, learning_rate).fit(INPUTS, target, epochs)[-1]
        if gate == "XOR":
            assert accuracy <= 0.75  # no straight line separates it: at best 3 of 4
        elif epochs >= 10:
            assert accuracy == 1.0


def test_one_hidden_layer_solves_xor():
    gates = logic_gates(0.1, 100, 0.9, 42)
    assert gates["xor_net_accuracy"] == 1.0 and gates["accuracy"]["XOR"] <= 0.75


def test_stage_writes_every_figure_and_the_lessons_hold(workdir, capsys):
    run_ok(nets_from_scratch)
    m = json.loads(paths.SCRATCH_METRICS.read_text())
    assert (m["perceptron_accuracy"]["and"], m["perceptron_accuracy"]["or"]) == (1.0, 1.0)
    assert m["perceptron_accuracy"]["xor"] <= 0.75 and m["xor_hidden_layer_accuracy"] == 1.0
    assert m["iris_test_accuracy"] >= 0.93
    assert m["first_layer_gradient"]["sigmoid"] < 1e-3 * m["first_layer_gradient"]["relu"]  # vanished
    assert m["deep_final_loss"]["relu"] < 0.1 < m["deep_final_loss"]["sigmoid"]  # and so it does not learn
    assert m["momentum_final_loss"]["momentum"] < m["momentum_final_loss"]["sgd"]
    assert m["delta_rule_final_loss"]["stochastic"] < m["delta_rule_final_loss"]["batch"]  # more updates per epoch
    for png in (paths.SCRATCH_DECISIONS_PNG, paths.SCRATCH_DELTA_RULE_PNG, paths.SCRATCH_VANISHING_PNG,
                paths.SCRATCH_MOMENTUM_PNG, paths.SCRATCH_CONFUSION_PNG):
        assert png.read_bytes().startswith(b"\x89PNG")
    assert "iris test accuracy" in capsys.readouterr().out


def test_same_params_give_the_same_bytes_and_a_learning_rate_changes_them(workdir):
    outputs = [paths.SCRATCH_METRICS, paths.SCRATCH_DELTA_RULE, paths.SCRATCH_MOMENTUM, paths.SCRATCH_DECISIONS_PNG,
               paths.SCRATCH_DELTA_RULE_PNG, paths.SCRATCH_VANISHING]
    set_params(workdir, scratch__epochs=20)
    runs = []
    for learning_rate, depth in ((0.1, 8), (0.1, 8), (0.05, 8), (0.1, 4)):
        set_params(workdir, scratch__learning_rate=learning_rate, scratch__depth=depth)
        run_ok(nets_from_scratch)
        runs.append([p.read_bytes() for p in outputs])
    assert runs[0] == runs[1]
    assert all(a != b for a, b in zip(runs[0][:-1], runs[2][:-1], strict=True))
    assert runs[0][-1] == runs[2][-1]  # the gradients before training do not depend on the learning rate
    assert runs[0][-1] != runs[3][-1]  # but on the depth
