"""Neural networks from scratch, in numpy only: what Keras does, written out so it can be read and checked.

A network is a list of layers. Each layer's `forward` keeps what its `backward` needs; `backward` takes
dL/d(output) and returns dL/d(input), storing dL/d(parameter) beside each parameter (back-propagation is the
chain rule applied layer by layer, last to first). tests/core/lessons/test_numpy_nets.py checks every gradient against
finite differences, and one SGD step against Keras.
"""

from __future__ import annotations

import numpy as np

# --- initialisation: keep the variance of the signal about constant from layer to layer


def he(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """He: W ~ N(0, 2 / n_in). ReLU zeroes half its inputs, so the variance is doubled to compensate."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))


def glorot(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot (Xavier): W ~ U(-a, a), a = sqrt(6 / (n_in + n_out)); Keras' default, made for sigmoid / tanh."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out))


INITIALISERS = {"he": he, "glorot": glorot}


# --- layers


class Dense:
    """z = x W + b.  Backward: dL/dW = xᵀ g, dL/db = Σ_rows g, dL/dx = g Wᵀ."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator, init: str = "glorot"):
        self.W, self.b = INITIALISERS[init](n_in, n_out, rng), np.zeros(n_out)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, g: np.ndarray) -> np.ndarray:
        self.dW, self.db = self.x.T @ g, g.sum(axis=0)
        return g @ self.W.T

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.W, self.dW), (self.b, self.db)]


class Sigmoid:
    """a = 1 / (1 + e^-z); da/dz = a (1 - a), at most 1/4: stacked, the gradient shrinks by 4x per layer."""

    def forward(self, z, training=False):
        self.a = 1.0 / (1.0 + np.exp(-z))
        return self.a

    def backward(self, g):
        return g * self.a * (1.0 - self.a)

    def params(self):
        return []


class Tanh:
    """a = tanh z; da/dz = 1 - a²."""

    def forward(self, z, training=False):
        self.a = np.tanh(z)
        return self.a

    def backward(self, g):
        return g * (1.0 - self.a**2)

    def params(self):
        return []


class ReLU:
    """a = max(0, z); da/dz = 1 where z > 0, else 0: the gradient passes unshrunk through active units."""

    def forward(self, z, training=False):
        self.active = z > 0
        return z * self.active

    def backward(self, g):
        return g * self.active

    def params(self):
        return []


class Softmax:
    """p_i = e^{z_i} / Σ_j e^{z_j} (shifted by max z: same value, no overflow).
    Backward (the Jacobian diag(p) - p pᵀ applied to g): dL/dz = p ⊙ (g - (g·p))."""

    def forward(self, z, training=False):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        self.p = e / e.sum(axis=1, keepdims=True)
        return self.p

    def backward(self, g):
        return self.p * (g - (g * self.p).sum(axis=1, keepdims=True))

    def params(self):
        return []


class Dropout:
    """Training: zero each unit with probability `rate` and scale the survivors by 1 / (1 - rate) (inverted
    dropout: the expected activation is unchanged, so inference needs no rescaling). Inference: identity."""

    def __init__(self, rate: float, rng: np.random.Generator):
        self.rate, self.rng = rate, rng

    def forward(self, x, training=False):
        self.mask = (self.rng.random(x.shape) >= self.rate) / (1.0 - self.rate) if training else np.ones_like(x)
        return x * self.mask

    def backward(self, g):
        return g * self.mask

    def params(self):
        return []


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


# --- losses: value(prediction, target) averaged over the batch, and its gradient wrt the prediction


class MeanSquaredError:
    """L = 1/n Σ_rows 1/k Σ_outputs (y - t)²  (Keras' mse);  dL/dy = 2 (y - t) / (n k)."""

    def value(self, y, t):
        return float(np.mean((y - t) ** 2))

    def gradient(self, y, t):
        return 2.0 * (y - t) / y.size


class CrossEntropy:
    """L = -1/n Σ_rows Σ_classes t log p, for probabilities p (after softmax) and one-hot t;
    dL/dp = -t / (n p). Through the softmax this becomes (p - t) / n: the error itself."""

    EPS = 1e-12  # log(0) guard

    def value(self, p, t):
        return float(-np.sum(t * np.log(p + self.EPS)) / len(p))

    def gradient(self, p, t):
        return -t / (p + self.EPS) / len(p)


LOSSES = {"mse": MeanSquaredError, "cross_entropy": CrossEntropy}


# --- optimisation


class SGD:
    """Plain: w ← w - η g.  With momentum μ: v ← μ v - η g, w ← w + v (Keras' SGD): steps keep part of their
    direction, so a long shallow valley is crossed faster and the zig-zag across it damps out."""

    def __init__(self, learning_rate: float, momentum: float = 0.0):
        self.learning_rate, self.momentum, self.velocity = learning_rate, momentum, {}

    def step(self, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        for i, (w, g) in enumerate(params):
            v = self.momentum * self.velocity.get(i, 0.0) - self.learning_rate * g
            self.velocity[i] = v
            w += v  # in place: the layer holds the same array


class Network:
    """Layers applied in order; `train_epoch` runs mini-batch SGD over shuffled rows."""

    def __init__(self, layers: list):
        self.layers = layers

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, g: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            g = layer.backward(g)
        return g

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [p for layer in self.layers for p in layer.params()]

    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def train_step(self, x, t, loss, optimizer: SGD) -> float:
        """One update from one batch: forward, loss, backward, SGD. Returns the batch's loss."""
        y = self.forward(x, training=True)
        self.backward(loss.gradient(y, t))
        optimizer.step(self.params())
        return loss.value(y, t)

    def train_epoch(self, x, t, loss, optimizer: SGD, batch_size: int, rng: np.random.Generator) -> float:
        """One pass over the rows in a fresh random order, one update per batch (batch_size 1: stochastic;
        len(x): batch gradient descent). Returns the loss on all rows after the epoch."""
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            self.train_step(x[rows], t[rows], loss, optimizer)
        return loss.value(self.forward(x), t)


def dense_stack(sizes: list[int], activation: str, output: str, rng: np.random.Generator, init: str,
                dropout: float = 0.0) -> Network:
    """sizes [n_in, h1, ..., n_out]: Dense -> activation (-> Dropout) per hidden layer, then Dense -> output
    (softmax, sigmoid, or none: linear)."""
    layers: list = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers += [Dense(n_in, n_out, rng, init), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(Dropout(dropout, rng))
    layers.append(Dense(sizes[-2], sizes[-1], rng, "glorot"))
    if output == "softmax":
        layers.append(Softmax())
    elif output == "sigmoid":
        layers.append(Sigmoid())
    return Network(layers)


def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[y]


class Perceptron:
    """Rosenblatt's: ŷ = step(w·x + b); after each row, w ← w + η (t - ŷ) x. It converges when a straight line
    separates the classes (AND, OR) and never otherwise (XOR)."""

    def __init__(self, n_in: int, learning_rate: float):
        self.w, self.b, self.learning_rate = np.zeros(n_in), 0.0, learning_rate

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (x @ self.w + self.b > 0).astype(int)

    def fit(self, x: np.ndarray, t: np.ndarray, epochs: int) -> list[float]:
        """Returns the accuracy after each epoch."""
        accuracy = []
        for _ in range(epochs):
            for xi, ti in zip(x, t, strict=True):
                error = ti - int(xi @ self.w + self.b > 0)
                self.w += self.learning_rate * error * xi
                self.b += self.learning_rate * error
            accuracy.append(float(np.mean(self.predict(x) == t)))
        return accuracy
