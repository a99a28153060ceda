"""ganbook.backprop: the worked example's gradients, by hand, by tape and by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import backprop

# The chapter's numbers: x = (1, 2), y = 1, and five distinct parameters.
P = {"w1": 0.5, "w2": -0.25, "b1": 0.5, "w3": 2.0, "b2": -1.0}
X, Y = (1.0, 2.0), 1.0
# Derived on paper: a = 0.5 - 0.5 + 0.5 = 0.5, h = 0.5, NN = 1 - 1 = 0, e = 1, de/dNN = 2 (0 - 1) = -2,
# de/dw3 = -2 h = -1, de/db2 = -2, de/da = -2 w3 relu'(a) = -4, de/dw1 = -4 x1, de/dw2 = -4 x2, de/db1 = -4.
HAND_DERIVED = {"w1": -4.0, "w2": -8.0, "b1": -4.0, "w3": -1.0, "b2": -2.0}


def test_forward_pass_values():
    assert backprop.tiny_forward(P, X, Y) == {"a": 0.5, "h": 0.5, "NN": 0.0, "e": 1.0}


def test_chain_rule_matches_paper_values():
    assert backprop.tiny_gradients_by_hand(P, X, Y) == pytest.approx(HAND_DERIVED)


def test_gradient_tape_matches_paper_values():
    assert backprop.tiny_gradients_by_tape(P, X, Y) == pytest.approx(HAND_DERIVED, abs=1e-12)


def test_finite_differences_match_paper_values():
    numeric = backprop.finite_differences(lambda q: backprop.tiny_forward(q, X, Y)["e"], P)
    assert numeric == pytest.approx(HAND_DERIVED, abs=1e-6)


def test_dead_relu_passes_no_gradient_to_the_first_layer():
    dead = dict(P, b1=-5.0)
    grads = backprop.tiny_gradients_by_tape(dead, X, Y)
    assert grads["w1"] == grads["w2"] == grads["b1"] == 0.0
    assert backprop.tiny_gradients_by_hand(dead, X, Y) == pytest.approx(grads)


def test_matrix_backprop_matches_tape_on_a_random_batch():
    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(6, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 3)), rng.normal(size=3)
    X_batch, Y_batch = rng.normal(size=(5, 6)), rng.normal(size=(5, 3))
    by_hand = backprop.mlp_gradients_by_hand(W1, b1, W2, b2, X_batch, Y_batch)
    by_tape = backprop.mlp_gradients_by_tape(W1, b1, W2, b2, X_batch, Y_batch)
    for name in by_hand:
        np.testing.assert_allclose(by_hand[name], by_tape[name], rtol=1e-10, atol=1e-12)
