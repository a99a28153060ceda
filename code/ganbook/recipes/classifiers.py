"""Classifiers on MNIST: the talk's network and its modern variant, softmax regression, and the
convolutional judge that scores generated digits.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from ganbook import data, flops
from ganbook.cache import Recipe
from ganbook.data.mnist import MNIST_TEST_SIZE, MNIST_TRAIN_SIZE
from ganbook.flops import Work
from ganbook.models import classifier
from ganbook.train import TrainingRecord, train_classifier
from ganbook.recipes.common import Training

ALL_DIGITS = "0123456789"


@dataclass(frozen=True, kw_only=True)
class ClassifierTraining(Training):
    """``train_classifier``'s settings: ``steps`` Adam steps on batches of ``batch_size``, the
    learning rate decaying (cosine) to ``decay_to`` times its start, test accuracy every ``eval_every``."""

    steps: int
    decay_to: float
    eval_every: int


@dataclass(frozen=True, kw_only=True)
class MLPParams(ClassifierTraining):
    """A ``build_mlp`` network (``hidden`` units; 0: none), trained on the digits in ``train_digits``."""

    hidden: int
    variant: str
    activation: str
    train_digits: str = ALL_DIGITS
    jit_compile: bool = True  # XLA: the dense steps are faster with it


@dataclass(frozen=True, kw_only=True)
class CNNParams(ClassifierTraining):
    """A ``build_cnn`` network: ``width`` filters in its first stage, ``features`` before the logits."""

    width: int
    features: int


def _build_mlp(params: MLPParams):
    return classifier.build_mlp(params.hidden, params.variant, params.activation)


def _train_mlp(model, params: MLPParams, seed: int) -> TrainingRecord:
    """Train on the training images of the digits in ``params.train_digits``; test on all test images."""
    mnist = data.load_mnist()
    keep = np.isin(mnist.train.y, [int(digit) for digit in params.train_digits])
    return train_classifier(
        model,
        classifier.loss_function(params.variant),
        (data.flatten(mnist.train.x[keep]), mnist.train.y[keep]),
        (data.flatten(mnist.test.x), mnist.test.y),
        steps=params.steps,
        batch_size=params.batch_size,
        learning_rate=params.learning_rate,
        eval_every=params.eval_every,
        decay_to=params.decay_to,
        seed=seed,
        jit_compile=params.jit_compile,
    )


# Images one evaluation of train_classifier passes forward: its training-set monitor (the
# function's own default size) and the test set.
_CLASSIFIER_EVALUATION_IMAGES = (inspect.signature(train_classifier).parameters["train_eval_size"].default
                                 + MNIST_TEST_SIZE)


def _classifier_work(model, params: ClassifierTraining) -> Work:
    """``steps`` batches; an evaluation every ``eval_every`` steps, at step 0, and one final pass over the training set."""
    evaluations = 1 + params.steps // params.eval_every
    forward = evaluations * _CLASSIFIER_EVALUATION_IMAGES + MNIST_TRAIN_SIZE
    return Work(flops.training_flops(model), params.steps * params.batch_size,
                forward * flops.forward_flops(model))


def _mlp_recipe(name: str, params: MLPParams) -> Recipe:
    return Recipe(name, _build_mlp, _train_mlp, params, seed=0, data=data.mnist_fingerprint(), work=_classifier_work)


def mlp_talk() -> Recipe:
    """The talk's 784-256-10 network: sigmoid units, squared error, no trained biases, Adam 0.01."""
    # Tuned on: nothing; the talk's settings.
    return _mlp_recipe("mlp-talk", MLPParams(hidden=256, variant="talk", activation="sigmoid", steps=5000,
                       batch_size=128, learning_rate=0.01, decay_to=1.0, eval_every=250))


def mlp_ce() -> Recipe:
    """The modern 784-256-10 network: ReLU hidden units, softmax cross-entropy, trained biases."""
    # Tuned on: no search recorded (common defaults for such a network).
    return _mlp_recipe("mlp-ce", MLPParams(hidden=256, variant="cross-entropy", activation="relu", steps=7000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.01, eval_every=250))


def softmax_regression() -> Recipe:
    """A linear model with a softmax output (no hidden layer): the simplest classifier that generalises."""
    # Tuned on: no search recorded.
    return _mlp_recipe("softmax-regression", MLPParams(hidden=0, variant="cross-entropy", activation="relu", steps=3000,
                       batch_size=128, learning_rate=1e-3, decay_to=0.1, eval_every=500))


def _build_cnn(params: CNNParams):
    return classifier.build_cnn(params.width, params.features)


def _train_cnn(model, params: CNNParams, seed: int) -> TrainingRecord:
    """Train on the first 50,000 training images: the validation images (50,000-59,999), against
    which the generators are scored while they train, stay unseen by the judge too."""
    mnist = data.load_mnist(validation=True)
    return train_classifier(
        model, classifier.loss_function("cross-entropy"),
        (data.flatten(mnist.train.x), mnist.train.y), (data.flatten(mnist.test.x), mnist.test.y),
        steps=params.steps, batch_size=params.batch_size, learning_rate=params.learning_rate,
        eval_every=params.eval_every, decay_to=params.decay_to, seed=seed, jit_compile=params.jit_compile)


def cnn_judge() -> Recipe:
    """The comparison chapter's judge: a small CNN (3 conv stages, 128 features), cross-entropy, Adam."""
    # Tuned on: no search recorded.
    # XLA off: it slowed these convolutions about 2x on a CPU.
    params = CNNParams(width=16, features=128, steps=2000, batch_size=128, learning_rate=2e-3, decay_to=0.01,
                  eval_every=250, jit_compile=False)
    return Recipe("cnn-judge", _build_cnn, _train_cnn, params, seed=0, data=data.mnist_fingerprint(),
                  work=_classifier_work)
