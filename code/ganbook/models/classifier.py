"""Classifiers: the talk's feed-forward MNIST networks, and the convolutional judges of the later chapters.

The feed-forward MNIST classifiers are the talk's sigmoid/MSE network and the modern
softmax/cross-entropy one.

Both compute NN(x) = out(sigma(x W1 + b1) W2 + b2) for x in R^784. They differ in the output,
the loss, and whether biases are trained:

- ``"talk"``: sigmoid hidden and output units, mean squared error to one-hot targets, and
  biases fixed at zero (the talk created them with ``tf.zeros``, so they never trained);
- ``"cross-entropy"``: sigmoid hidden units, linear outputs (logits) read through a softmax,
  cross-entropy loss, trained biases.

The convolutional classifiers judge generated images: ``build_cnn`` for MNIST digits and
``build_pet_classifier`` (with flip and shift augmentation, active only in training) for the
downscaled cats-vs-dogs photographs (size x size x 3, pixels in [0, 1]). Each has a dense layer
named ``FEATURE_LAYER`` whose activations embed images for the Fréchet distance.
"""

from __future__ import annotations

import keras
import tensorflow as tf

INPUT_SIZE = 784
NUM_CLASSES = 10
VARIANTS = ("talk", "cross-entropy")


# Shown in the chapter on feed-forward networks (book/feedforward.md).
def build_mlp(hidden: int = 256, variant: str = "cross-entropy",
              activation: str = "sigmoid") -> keras.Model:
    """A d-h-k network (h = 0 gives a linear softmax model).

    Outputs sigmoid units or logits, see the module's docstring.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    use_bias = variant != "talk"
    inputs = keras.Input((INPUT_SIZE,), name="pixels")
    h = inputs
    if hidden:
        h = keras.layers.Dense(hidden, activation=activation, use_bias=use_bias,
                               name="hidden",
                               kernel_initializer="glorot_uniform")(h)
    output_activation = "sigmoid" if variant == "talk" else None
    outputs = keras.layers.Dense(NUM_CLASSES, activation=output_activation,
                                 use_bias=use_bias, name="output")(h)
    return keras.Model(inputs, outputs,
                       name=f"mlp_{variant.replace('-', '_')}_{hidden}")


# Shown in the chapter on feed-forward networks (book/feedforward.md).
def loss_function(variant: str):
    """A variant's per-batch mean loss: (one-hot targets, outputs) -> scalar."""
    if variant == "talk":
        return lambda targets, outputs: tf.reduce_mean(
            tf.square(outputs - targets))
    if variant == "cross-entropy":
        return lambda targets, outputs: tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=targets,
                                                    logits=outputs))
    raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")


def class_probabilities(model: keras.Model, variant: str, x) -> tf.Tensor:
    """p(y | x) from the network's outputs (softmax of logits; normalised sigmoid units for the talk's net)."""
    outputs = model(x, training=False)
    if variant == "talk":
        return outputs / tf.reduce_sum(outputs, axis=-1, keepdims=True)
    return tf.nn.softmax(outputs, axis=-1)


FEATURE_LAYER = "features"


def build_cnn(width: int = 16, features: int = 128) -> keras.Model:
    """A small convolutional MNIST classifier on flat 784-pixel inputs; outputs logits.

    Three 3x3 convolution + 2x2 max-pool stages (``width``, 2x and 4x channels) and a dense
    layer named ``"features"`` whose activations embed images for the Fréchet distance.
    """
    inputs = keras.Input((INPUT_SIZE,), name="pixels")
    h = keras.layers.Reshape((28, 28, 1))(inputs)
    for multiple in (1, 2, 4):
        h = keras.layers.Conv2D(multiple * width, 3, padding="same", activation="relu")(h)
        h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(features, activation="relu", name=FEATURE_LAYER)(h)
    outputs = keras.layers.Dense(NUM_CLASSES, name="output")(h)
    return keras.Model(inputs, outputs, name=f"cnn_{width}")


PET_CLASSES = 2  # cat, dog


def build_pet_classifier(size: int = 32, width: int = 32, features: int = 128, shift: float = 0.1,
                         dropout: float = 0.3) -> keras.Model:
    """Flip + shift augmentation, three 3x3 conv + max-pool stages (width, 2x, 4x channels), logits.

    Global average pooling and dropout before the 128-unit feature layer keep the parameter count
    small: with 2,000 training images, a larger head overfits.
    """
    inputs = keras.Input((size, size, 3), name="pixels")
    h = keras.layers.RandomFlip("horizontal", seed=1)(inputs)
    h = keras.layers.RandomTranslation(shift, shift, fill_mode="reflect", seed=2)(h)
    for multiple in (1, 2, 4):
        h = keras.layers.Conv2D(multiple * width, 3, padding="same", activation="relu")(h)
        h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    h = keras.layers.Dropout(dropout, seed=3)(h)
    h = keras.layers.Dense(features, activation="relu", name=FEATURE_LAYER)(h)
    outputs = keras.layers.Dense(PET_CLASSES, name="output")(h)
    return keras.Model(inputs, outputs, name="pet_classifier")
