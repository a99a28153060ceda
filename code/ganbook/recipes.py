"""The book's model recipes, registered with :mod:`ganbook.zoo` under the names chapters use.

Each recipe's hyper-parameters are its ``params``; chapters print them, and
``zoo.get(name, **overrides)`` trains a variant (for example more steps) as its own cache entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ganbook import data
from ganbook.cache import Recipe, TrainingRecord
from ganbook.models import classifier
from ganbook.train import train_classifier
from ganbook.zoo import register

_TRAINING_CODE = ("ganbook.train", "ganbook.data", "ganbook.models.classifier")


# ----------------------------------------------------------------------------- classifiers


def _build_mlp(params: Mapping[str, Any]):
    return classifier.build_mlp(params["hidden"], params["variant"], params["activation"])


def _train_mlp(model, params: Mapping[str, Any], seed: int) -> TrainingRecord:
    """Train on the training images of the digits in ``params["train_digits"]``; test on all test images."""
    mnist = data.load_mnist()
    keep = np.isin(mnist.train.y, [int(digit) for digit in params["train_digits"]])
    return train_classifier(
        model,
        classifier.loss_function(params["variant"]),
        (data.flatten(mnist.train.x[keep]), mnist.train.y[keep]),
        (data.flatten(mnist.test.x), mnist.test.y),
        steps=params["steps"],
        batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        eval_every=params["eval_every"],
        decay_to=params["decay_to"],
        seed=seed,
    )


ALL_DIGITS = "0123456789"


def _mlp_recipe(name: str, **params: Any) -> Recipe:
    params.setdefault("train_digits", ALL_DIGITS)
    return Recipe(name, _build_mlp, _train_mlp, params, seed=0, data=data.mnist_fingerprint(), code=_TRAINING_CODE)


@register("mlp-talk")
def mlp_talk() -> Recipe:
    """The talk's 784-256-10 network: sigmoid units, squared error, no trained biases, Adam 0.01."""
    return _mlp_recipe("mlp-talk", hidden=256, variant="talk", activation="sigmoid", steps=5000,
                       batch_size=128, learning_rate=0.01, decay_to=1.0, eval_every=250)


@register("mlp-ce")
def mlp_ce() -> Recipe:
    """The modern 784-256-10 network: ReLU hidden units, softmax cross-entropy, trained biases."""
    return _mlp_recipe("mlp-ce", hidden=256, variant="cross-entropy", activation="relu", steps=7000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.01, eval_every=250)


@register("softmax-regression")
def softmax_regression() -> Recipe:
    """A linear model with a softmax output (no hidden layer): the simplest classifier that generalises."""
    return _mlp_recipe("softmax-regression", hidden=0, variant="cross-entropy", activation="relu", steps=3000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.1, eval_every=500)
