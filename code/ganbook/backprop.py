"""Backpropagation by hand: the chain rule written out, to compare with automatic differentiation.

Two cases: the chapter's tiny worked example, NN(x) = relu(x1 w1 + x2 w2 + b1) w3 + b2 with
squared error e = (NN(x) - y)^2, and the matrix form for a batch through the d-h-k network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import tensorflow as tf

TINY_PARAMETERS = ("w1", "w2", "b1", "w3", "b2")


def tiny_forward(p: Mapping[str, float], x: tuple[float, float], y: float) -> dict[str, float]:
    """Every intermediate value of the tiny network's forward pass."""
    a = x[0] * p["w1"] + x[1] * p["w2"] + p["b1"]
    h = max(a, 0.0)
    out = h * p["w3"] + p["b2"]
    return {"a": a, "h": h, "NN": out, "e": (out - y) ** 2}


def tiny_gradients_by_hand(p: Mapping[str, float], x: tuple[float, float], y: float) -> dict[str, float]:
    """de/dparameter by the chain rule, from the output back to the input (ReLU'(0) taken as 0)."""
    f = tiny_forward(p, x, y)
    de_dout = 2.0 * (f["NN"] - y)
    de_dh = de_dout * p["w3"]
    de_da = de_dh * (1.0 if f["a"] > 0 else 0.0)
    return {"w1": de_da * x[0], "w2": de_da * x[1], "b1": de_da, "w3": de_dout * f["h"], "b2": de_dout}


def tiny_gradients_by_tape(p: Mapping[str, float], x: tuple[float, float], y: float) -> dict[str, float]:
    """The same derivatives from TensorFlow's automatic differentiation."""
    variables = {name: tf.Variable(float(p[name]), dtype=tf.float64) for name in TINY_PARAMETERS}
    with tf.GradientTape() as tape:
        v = variables
        a = x[0] * v["w1"] + x[1] * v["w2"] + v["b1"]
        e = (tf.nn.relu(a) * v["w3"] + v["b2"] - y) ** 2
    grads = tape.gradient(e, list(variables.values()))
    return {name: float(g) for name, g in zip(variables, grads)}


def finite_differences(function: Callable[[Mapping[str, float]], float], p: Mapping[str, float],
                       epsilon: float = 1e-6) -> dict[str, float]:
    """Central differences (f(p + eps e_i) - f(p - eps e_i)) / (2 eps) for every parameter."""
    result = {}
    for name in p:
        up, down = dict(p), dict(p)
        up[name] += epsilon
        down[name] -= epsilon
        result[name] = (function(up) - function(down)) / (2 * epsilon)
    return result


def sigmoid(s: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-s))


def mlp_gradients_by_hand(W1, b1, W2, b2, X, Y) -> dict[str, np.ndarray]:
    """Gradients of L = (1/n) sum_i ||sigma(x_i W1 + b1) W2 + b2 - y_i||^2 in matrix form.

    With A = X W1 + b1, H = sigma(A), O = H W2 + b2 and Delta2 = dL/dO = (2/n)(O - Y):
    dL/dW2 = H^T Delta2, dL/db2 = 1^T Delta2, Delta1 = (Delta2 W2^T) * H * (1 - H),
    dL/dW1 = X^T Delta1, dL/db1 = 1^T Delta1.
    """
    n = X.shape[0]
    H = sigmoid(X @ W1 + b1)
    O = H @ W2 + b2
    delta2 = 2.0 / n * (O - Y)
    delta1 = (delta2 @ W2.T) * H * (1.0 - H)
    return {"W1": X.T @ delta1, "b1": delta1.sum(axis=0), "W2": H.T @ delta2, "b2": delta2.sum(axis=0)}


def mlp_gradients_by_tape(W1, b1, W2, b2, X, Y) -> dict[str, np.ndarray]:
    """The same gradients from ``tf.GradientTape`` (float64)."""
    variables = {name: tf.Variable(np.asarray(value, np.float64)) for name, value in
                 (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    with tf.GradientTape() as tape:
        v = variables
        O = tf.sigmoid(X @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
        loss = tf.reduce_mean(tf.reduce_sum((O - Y) ** 2, axis=1))
    grads = tape.gradient(loss, list(variables.values()))
    return {name: g.numpy() for name, g in zip(variables, grads)}
