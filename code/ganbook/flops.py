"""How much arithmetic training does: floating-point operations counted from layer shapes.

The book's models spend their time in three layer types, so these are what is counted, two FLOPs
per multiply-add, per example:

- ``Dense``: 2 * inputs * units;
- ``Conv2D``: 2 * (output height * width * filters) * (kernel height * width * input channels);
- ``Conv2DTranspose``: the same product with input and output swapped (each input pixel spreads
  one kernel over the output), which is what TensorFlow runs, ``Conv2DBackpropInput``.

Biases, activations, normalisation and the optimiser's updates are left out (they are a few
percent of these models' arithmetic). A training step's backward pass costs two such products
per layer, one for the weights' gradient and one for the gradient with respect to the layer's
input; the first layer's input is data, so its input gradient is not computed. The counts agree
with TensorFlow's own per-operation counts (``tests/test_flops.py``).

``Work`` is one recipe's whole training: its steps plus its evaluations (a VAE's
likelihood bounds, a classifier's test passes). ``matmul_peak`` is the machine's yardstick.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

# A backward pass through a counted layer: its weights' gradient and its input's gradient, each
# as many multiply-adds as the forward product.
BACKWARD_PRODUCTS = 2
COUNTED_TYPES = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def layer_flops(layer: keras.layers.Layer) -> float:
    """Forward FLOPs per example of one Dense, Conv2D or Conv2DTranspose layer (0 for other layers).

    A convolution needs its built spatial shape: the layer must have been called on a symbolic
    input (inside a ``keras.Input``-started Sequential or functional model).
    """
    if isinstance(layer, keras.layers.Dense):
        fan_in, units = layer.kernel.shape
        return 2.0 * fan_in * units
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
        try:
            shape = layer.input.shape if isinstance(layer, keras.layers.Conv2DTranspose) else layer.output.shape
        except (AttributeError, ValueError) as error:
            raise ValueError(f"layer {layer.name!r} has no symbolic shape to count from: build it inside a "
                             "keras.Input-started Sequential or functional model") from error
        kernel_h, kernel_w, channels_in, channels_out = layer.kernel.shape
        # Conv2D: each output position takes kh*kw*cin products per filter; the transposed
        # convolution (kernel stored as kh, kw, cout, cin) spreads each input position the same way.
        positions = int(np.prod(shape[1:3]))
        per_position = kernel_h * kernel_w * channels_in * channels_out
        return 2.0 * positions * per_position
    return 0.0


def counted_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The Dense and convolution layers in ``model`` and its nested models, in the order they were added."""
    if isinstance(model, COUNTED_TYPES):
        return [model]
    return [layer for sub in getattr(model, "layers", ()) for layer in counted_layers(sub)]


def forward_flops(model: keras.layers.Layer) -> float:
    """Forward FLOPs per example: the sum over the counted layers."""
    return sum(layer_flops(layer) for layer in counted_layers(model))


def training_flops(model: keras.layers.Layer, *, input_gradient: bool = False) -> float:
    """FLOPs per example of one forward and backward pass through ``model``.

    ``input_gradient``: whether the gradient reaches the model's input (a discriminator under
    its generator's step); otherwise the first layer's input gradient is not computed.
    """
    layers = counted_layers(model)
    flops = (1 + BACKWARD_PRODUCTS) * sum(layer_flops(layer) for layer in layers)
    if layers and not input_gradient:
        flops -= layer_flops(layers[0])
    return flops


@dataclass(frozen=True)
class Work:
    """One recipe's arithmetic: ``examples`` training examples at ``step_flops`` each, plus evaluations."""

    step_flops: float  # per training example (a GAN: per real example, both players' steps)
    examples: int  # training examples over the whole run (epochs x data, or steps x batch)
    evaluation_flops: float = 0.0  # everything else the recipe computes: test passes, likelihood bounds

    @property
    def training_flops(self) -> float:
        return self.step_flops * self.examples

    @property
    def total(self) -> float:
        return self.training_flops + self.evaluation_flops


def gan_step_flops(generator: keras.layers.Layer, discriminator: keras.layers.Layer, *, r1: bool = False) -> float:
    """FLOPs per real example of one GAN step (``ganbook.models.gan.GAN.train_step``).

    D's step: G forward, D forward and backward on the real and the fake batch. G's step: G
    forward, D forward and backward down to its input (the fakes), G backward. With R1, the
    gradient of D's output with respect to real inputs (one backward product per layer) is itself
    differentiated (about two more): an estimate, for the tiny ring GANs only.
    """
    g, d = forward_flops(generator), forward_flops(discriminator)
    discriminator_step = g + 2 * training_flops(discriminator)
    generator_step = training_flops(generator) + training_flops(discriminator, input_gradient=True)
    penalty = 3 * d if r1 else 0.0
    return discriminator_step + generator_step + penalty


def wgan_step_flops(generator: keras.layers.Layer, critic: keras.layers.Layer, critic_steps: int) -> float:
    """FLOPs per real example of WGAN-GP training (``ganbook.models.wgan.WassersteinGAN``).

    Each real example enters one critic step: G forward, the critic forward and backward on the
    real and the fake example, and the gradient penalty at one point between them, which is a
    forward pass, the input gradient and that gradient differentiated again (an estimate of four
    forward products, like R1's three plus the forward pass). One generator step follows every
    ``critic_steps`` critic steps.
    """
    g, d = forward_flops(generator), forward_flops(critic)
    critic_step = g + 2 * training_flops(critic) + 4 * d
    generator_step = training_flops(generator) + training_flops(critic, input_gradient=True)
    return critic_step + generator_step / critic_steps


def matmul_peak(size: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a size x size float32 matmul in TensorFlow (the best of ``repeats``): the machine's yardstick."""
    a = tf.random.stateless_normal((size, size), seed=(0, 0))
    b = tf.random.stateless_normal((size, size), seed=(0, 1))
    product = tf.function(lambda x, y: tf.matmul(x, y))
    product(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
