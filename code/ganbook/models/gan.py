"""Generative adversarial networks: the ``GAN`` model, its losses, and a GAN on autoencoder codes
(the convolutional GANs on pixels are built in ``ganbook.models.convolutional_gan``).

Both are trained with the losses written on the discriminator's *logits* (numerically stable:
``log sigmoid(l) = -softplus(-l)``, ``log(1 - sigmoid(l)) = -softplus(l)``) and the non-saturating
generator loss -log D(G(z)):

    discriminator:  -log D(x) - log(1 - D(G(z)))  =  softplus(-l_real) + softplus(l_fake)
    generator:      -log D(G(z))                  =  softplus(-l_fake)

The minimax game's own generator loss, log(1 - D(G(z))) = -softplus(l_fake), is here too
(``minimax_generator_loss``), for the book to compare; no model trains with it.

The discriminator's fake input is G(z), never z itself (the talk's defect).

The GANs can compute in bfloat16 with float32 weights
(``compute_precision``); their images, codes and logits stay float32.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf

from ganbook.models import noise as random_numbers


# Shown in the chapter on generative adversarial networks (book/gan.md).
def discriminator_loss(real_logits, fake_logits):
    """The negative of the value function's discriminator terms, per batch."""
    real_term = tf.reduce_mean(tf.nn.softplus(-real_logits))  # -log D(x)
    fake_term = tf.reduce_mean(tf.nn.softplus(fake_logits))  # -log(1-D(G(z)))
    return real_term + fake_term


# Shown in the chapter on generative adversarial networks (book/gan.md).
def minimax_generator_loss(fake_logits):
    """The minimax generator loss log(1 - D(G(z))) = -softplus(l).

    G would minimise it. Its derivative with respect to the logit l is
    -sigmoid(l): it vanishes where D rejects the fakes (l -> -inf), early in
    training. The book compares it with ``generator_loss``; no model here
    trains with it.
    """
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


# Shown in the chapter on generative adversarial networks (book/gan.md).
def generator_loss(fake_logits):
    """The non-saturating generator loss -log D(G(z)) = softplus(-l).

    G minimises it. Its derivative with respect to the logit l is
    sigmoid(l) - 1, close to -1 where D rejects the fakes. G trains with this
    one.
    """
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


# The averaged generator's batch statistics come from this many noise draws, from a fixed seed.
STATISTICS_DRAWS = 4096
STATISTICS_SEED = 12345


class GAN(keras.Model):
    """A generator G: z -> x and a discriminator D: x -> logit, trained by alternating Adam steps.

    Two optional stabilisers, both off by default:

    - ``r1`` > 0 adds the R1 gradient penalty of Mescheder et al. (2018),
      (r1 / 2) E_{x ~ p_d} |grad_x l(x)|^2 with l = D's logit, to the discriminator's loss;
    - ``average_decay`` in (0, 1) keeps an exponential moving average of G's weights,
      a <- decay * a + (1 - decay) * w after every generator step, from a = 0 (Yazici et al., 2019),
      bias-corrected as in Adam: after t steps the average is a / (1 - decay^t), a weighted mean
      of the t weights G has had, without any share of its random initial weights.
      ``adopt_generator_average`` copies it into G when training ends, and recomputes the
      statistics of G's batch normalisation for the averaged weights (``recompute_batch_statistics``).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, noise_size: int, seed: int = 0,
                 r1: float = 0.0, average_decay: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if r1 < 0:
            raise ValueError(f"the R1 weight must be >= 0, got {r1}")
        if not 0.0 <= average_decay < 1.0:
            raise ValueError(f"average_decay must be in [0, 1) (0 = no averaging), got {average_decay}")
        self.generator = generator
        self.discriminator = discriminator
        self.noise_size = noise_size
        self.r1 = float(r1)
        self.average_decay = float(average_decay)
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("d_loss", "g_loss", "d_real", "d_fake")}
        self.generator_average = []
        if self.average_decay:
            self.generator_average = [
                self.add_weight(shape=weight.shape, initializer="zeros", trainable=False,
                                name=f"generator_average_{i}")
                for i, weight in enumerate(generator.trainable_variables)]
            # decay^t after t steps: the average's bias correction (float64: 0.9997^t needs the digits)
            self.average_remaining = self.add_weight(shape=(), initializer="ones", trainable=False,
                                                     dtype="float64", name="generator_average_remaining")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def noise(self, batch_size, seed_generator=None):
        """G's inputs: normal z, from the model's own stream unless ``seed_generator`` is given."""
        return random_numbers.normal((batch_size, self.noise_size), seed_generator or self.noise_seed)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def sample(self, count: int, seed: int = 0):
        """``count`` generated examples from a fixed seed (numpy)."""
        z = tf.random.stateless_normal((count, self.noise_size), seed=(seed, 0))
        return self.generator(z, training=False).numpy()

    def set_code_scale(self, codes) -> None:
        """A GAN on codes (``build_latent_gan``): set its fixed scale to the per-unit standard
        deviation of the real codes (1 for a unit that never varies)."""
        std = np.asarray(codes).std(axis=0)
        scale = np.where(std > 1e-6, std, 1.0).astype("float32")
        self.generator.get_layer("to_code_scale").scale.assign(scale)
        self.discriminator.get_layer("from_code_scale").scale.assign(1.0 / scale)

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def _discriminator_step(self, real, fake):
        """One Adam step of D on ``discriminator_loss`` (+ R1 if ``r1`` > 0)."""
        with tf.GradientTape() as tape:
            if self.r1:
                with tf.GradientTape() as inner:
                    inner.watch(real)
                    real_logits = self.discriminator(real, training=True)
                    # each logit depends on its own x only
                    logit_sum = tf.reduce_sum(real_logits)
                slopes = inner.gradient(logit_sum, real)  # grad_x l(x) by rows
                slopes = tf.reshape(slopes, (tf.shape(real)[0], -1))
                squared_norms = tf.reduce_sum(tf.square(slopes), axis=1)
                penalty = 0.5 * self.r1 * tf.reduce_mean(squared_norms)
            else:
                real_logits = self.discriminator(real, training=True)
                penalty = 0.0
            fake_logits = self.discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            total = d_loss + penalty
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(
            zip(tape.gradient(total, variables), variables))
        return d_loss, real_logits

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def _generator_step(self, batch_size):
        """One Adam step of G on ``generator_loss`` through D; then the average."""
        with tf.GradientTape() as tape:
            fake = self.generator(self.noise(batch_size), training=True)
            fake_logits = self.discriminator(fake, training=True)
            g_loss = generator_loss(fake_logits)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(
            zip(tape.gradient(g_loss, variables), variables))
        self.update_generator_average()
        return g_loss, fake_logits

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def update_generator_average(self) -> None:
        """One step of the moving average of G's weights (after each G step)."""
        if not self.generator_average:
            return
        decay, weights = self.average_decay, self.generator.trainable_variables
        for average, weight in zip(self.generator_average, weights):
            average.assign(decay * average + (1.0 - decay) * weight)  # a_t
        self.average_remaining.assign(self.average_remaining * decay)  # decay^t

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def train_step(self, real):
        """One D step, then one G step; running means of four metrics."""
        real, _, _ = keras.utils.unpack_x_y_sample_weight(real)
        # real may be a pair (images, labels): a conditional GAN's
        batch_size = tf.shape(tf.nest.flatten(real)[0])[0]
        # 1. discriminator step: real data against G(z), never against z itself
        fake = self.generator(self.noise(batch_size), training=True)
        d_loss, real_logits = self._discriminator_step(real, fake)
        # 2. generator step through the updated discriminator
        g_loss, fake_logits = self._generator_step(batch_size)
        values = {"d_loss": d_loss, "g_loss": g_loss,
                  "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                  "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @contextlib.contextmanager
    def averaged_generator(self):
        """Within the block G has its averaged weights and their batch statistics (no-op without
        averaging); afterwards its own weights and statistics again."""
        if not self.generator_average:
            yield self
            return
        live = [weight.numpy() for weight in self.generator.weights]
        self.adopt_generator_average()
        try:
            yield self
        finally:
            for weight, value in zip(self.generator.weights, live):
                weight.assign(value)

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def adopt_generator_average(self) -> None:
        """Give G its bias-corrected averaged weights, and their batch statistics.

        A no-op without averaging or before the first step (then 1 - decay^t = 0).
        """
        if not self.generator_average:
            return
        remaining = float(self.average_remaining.numpy())  # decay^t
        if remaining == 1.0:
            return
        for average, weight in zip(self.generator_average,
                                   self.generator.trainable_variables):
            weight.assign(average.numpy() / (1.0 - remaining))
        self.recompute_batch_statistics()

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def recompute_batch_statistics(self, count: int = STATISTICS_DRAWS) -> None:
        """Set the mean and variance of each batch normalisation of G to those
        its current weights produce on ``count`` fixed noise draws.

        Moving statistics belong to the weights that produced them: averaged
        weights need their own ("standing statistics", Brock et al., 2019).
        """
        norms = list(_batch_norms(self.generator))
        if not norms:
            return  # no statistics to set
        momenta = [norm.momentum for norm in norms]
        for norm in norms:
            norm.momentum = 0.0  # moving statistic := this batch's
        try:
            draws = keras.random.SeedGenerator(STATISTICS_SEED)
            self.generator(self.noise(count, draws), training=True)
        finally:
            for norm, momentum in zip(norms, momenta):
                norm.momentum = momentum


def _batch_norms(model):
    """The BatchNormalization layers of ``model``, also inside the models it contains."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            yield layer
        elif hasattr(layer, "layers"):
            yield from _batch_norms(layer)


# Shown in the chapter on generative adversarial networks (book/gan.md).
@contextlib.contextmanager
def compute_precision(compute_dtype: str = "float32"):
    """Layers made in the block compute in ``compute_dtype``, weights float32.

    "bfloat16" is Keras's ``mixed_bfloat16`` policy: bfloat16 has float32's
    exponent range, so the losses need no scaling. Layers given
    ``dtype="float32"`` (the networks' outputs) still compute in float32.
    Pays only where the CPU computes in bfloat16 natively
    (``ganbook.machine.native_bfloat16``).
    """
    policies = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
    if compute_dtype not in policies:
        raise ValueError(f"compute_dtype must be one of {sorted(policies)}, "
                         f"got {compute_dtype!r}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policies[compute_dtype])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class FixedScale(keras.layers.Layer):
    """Multiply by a per-feature scale that is set from data once and never trained (but is saved)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=False,
                                     name="scale")

    def call(self, inputs):
        return inputs * self.scale


def dense_network(input_size: int, hidden: tuple[int, ...], output_size: int, output_activation=None,
                  hidden_activation="leaky_relu", name: str = "mlp") -> keras.Model:
    """Dense layers; the hidden ones compute in the dtype policy's precision, the output layer in float32."""
    layers = [keras.Input((input_size,))]
    layers += [keras.layers.Dense(units, activation=hidden_activation) for units in hidden]
    layers += [keras.layers.Dense(output_size, activation=output_activation, dtype="float32")]
    return keras.Sequential(layers, name=name)


def build_latent_gan(code_size: int = 100, noise_size: int = 100, hidden: tuple[int, ...] = (256, 256),
                     seed: int = 0, average_decay: float = 0.0, output_activation: str | None = "relu",
                     compute_dtype: str = "float32") -> GAN:
    """A GAN in an autoencoder's code space: its codes are ReLU outputs, so G ends in a ReLU too.

    ``output_activation=None`` for codes of either sign, such as a VAE's posterior means (a ReLU
    generator cannot reach their negative half, and its discriminator wins at once).

    Both networks work on codes divided by a per-unit scale (see ``GAN.set_code_scale``): G's
    last layer multiplies by it and D's first layer divides by it, so G(z) lives on the codes'
    own scale while both networks see numbers of order one.

    ``compute_dtype``: the hidden layers' precision (``compute_precision``); the codes G
    makes and D's logits are float32 either way.
    """
    with compute_precision(compute_dtype):
        generator = keras.Sequential([dense_network(noise_size, hidden, code_size,
                                                    output_activation=output_activation, name="generator_body"),
                                      FixedScale(name="to_code_scale", dtype="float32")], name="generator")
        generator(tf.zeros((1, noise_size)))  # create every weight before the GAN copies them for averaging
        discriminator = keras.Sequential([keras.Input((code_size,)), FixedScale(name="from_code_scale"),
                                          dense_network(code_size, hidden, 1, name="discriminator_body")],
                                         name="discriminator")
    gan = GAN(generator, discriminator, noise_size, seed, average_decay=average_decay)
    gan(tf.zeros((1, noise_size)))
    discriminator(tf.zeros((1, code_size)))
    return gan
