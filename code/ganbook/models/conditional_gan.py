"""A class-conditional DCGAN: a GAN on labelled digits (x, y).

The generator draws a label from the data's class frequencies, y ~ p(y), and an image given it,
x = G(z, y); the discriminator judges pairs, D(x, y). The game is the GAN's game on the joint
distribution p(x, y), so its optimum, p_g(x, y) = p_data(x, y), gives p_g(x | y) = p_data(x | y)
for every class, and sampling y from p(y) first makes p_g(x) = p_data(x).

The label enters G as a one-hot vector beside the noise (Mirza & Osindero, 2014) and D through a
projection (Miyato & Koyama, 2018): D's logit is w . f(x) + b + e_y . f(x), with f(x) D's
last features and e_y a learned vector per class.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ganbook.models import noise as random_numbers
from ganbook.models.gan import GAN, compute_precision

MNIST_CLASSES = 10


class ConditionalGAN(GAN):
    """A ``GAN`` whose examples are pairs (images, labels).

    G maps (z, y) to (x, y) and D takes (x, y), so the parent's training step (which reads the
    batch size from the pair's first part), losses and generator average apply. The labels G draws in training follow ``class_prior``, a
    saved, untrained weight (set it from the training labels with ``set_class_prior``).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, noise_size: int,
                 classes: int, seed: int = 0, average_decay: float = 0.0, **kwargs):
        super().__init__(generator, discriminator, noise_size, seed,
                         average_decay=average_decay, **kwargs)
        self.classes = classes
        self.class_prior = self.add_weight(
            shape=(classes,), initializer=keras.initializers.Constant(1.0 / classes),
            trainable=False, name="class_prior")

    def set_class_prior(self, labels) -> None:
        """Set p(y) to the class frequencies of ``labels`` (integers in 0..classes-1)."""
        labels = tf.convert_to_tensor(labels, tf.int32)
        if labels.shape.rank != 1 or labels.shape[0] == 0:
            raise ValueError(f"labels must be a non-empty 1-d array, got shape {labels.shape}")
        low, high = int(tf.reduce_min(labels)), int(tf.reduce_max(labels))
        if low < 0 or high >= self.classes:
            raise ValueError(f"labels must lie in 0..{self.classes - 1}, got {low}..{high}")
        counts = tf.math.bincount(labels, minlength=self.classes, dtype=tf.float32)
        self.class_prior.assign(counts / tf.reduce_sum(counts))

    def train_step(self, data):
        """The ``GAN``'s step on the pair: from ``fit((images, labels))`` or ``fit(images, labels)``."""
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        pair = images if labels is None else (images, labels)
        return super().train_step((pair,))

    # Shown in the chapter on generative adversarial networks (book/gan.md).
    def noise(self, batch_size, seed_generator=None):
        """G's inputs: normal z, and labels y ~ p(y) by inverting its CDF."""
        draws = seed_generator or self.noise_seed
        z = random_numbers.normal((batch_size, self.noise_size), draws)
        uniform = random_numbers.uniform((batch_size,), draws)
        cumulative = tf.cumsum(self.class_prior)
        labels = tf.searchsorted(cumulative, uniform, side="right")
        # a rounded last sum below 1 could let a draw fall past the end
        labels = tf.minimum(tf.cast(labels, tf.int32), self.classes - 1)
        return z, labels

    def sample(self, count: int, seed: int = 0, labels=None):
        """``count`` generated images (numpy) from a fixed seed; labels from p(y) unless given."""
        z, drawn = self.noise(count, keras.random.SeedGenerator(seed))
        if labels is not None:
            drawn = tf.convert_to_tensor(labels, tf.int32)
            if drawn.shape != (count,):
                raise ValueError(f"labels must be {count} integers (one per image), got shape {drawn.shape}")
        labels = drawn
        images, _ = self.generator((z, labels), training=False)
        return images.numpy()


# Shown in the chapter on generative adversarial networks (book/gan.md).
def build_conditional_dcgan(noise_size: int = 64, width: int = 32,
                            classes: int = MNIST_CLASSES, seed: int = 0,
                            average_decay: float = 0.0,
                            compute_dtype: str = "float32") -> ConditionalGAN:
    """``convolutional_gan.build_dcgan``'s networks, with a label.

    G: the one-hot label joins the noise at G's input. D: batch
    normalisation after its second convolution; its logit is
    w . f + b + e_y . f (a projection) on its last features f.
    ``compute_dtype``: see ``ganbook.models.gan.compute_precision``.
    """
    layers = keras.layers
    with compute_precision(compute_dtype):
        z = keras.Input((noise_size,))
        y = keras.Input((), dtype="int32")
        one_hot = layers.CategoryEncoding(classes, output_mode="one_hot")(y)
        h = layers.Concatenate()([z, one_hot])
        h = layers.Dense(7 * 7 * 2 * width)(h)
        h = layers.ReLU()(layers.BatchNormalization()(h))
        h = layers.Reshape((7, 7, 2 * width))(h)
        h = layers.Conv2DTranspose(width, 4, strides=2, padding="same")(h)
        h = layers.ReLU()(layers.BatchNormalization()(h))
        h = layers.Conv2DTranspose(1, 4, strides=2, padding="same")(h)
        h = layers.Reshape((784,))(h)
        x = layers.Activation("sigmoid", dtype="float32")(h)
        generator = keras.Model((z, y), (x, y), name="generator")

        image = keras.Input((784,))
        label = keras.Input((), dtype="int32")
        h = layers.Reshape((28, 28, 1))(image)
        h = layers.Conv2D(width, 4, strides=2, padding="same")(h)
        h = layers.LeakyReLU(0.2)(h)
        h = layers.Conv2D(2 * width, 4, strides=2, padding="same")(h)
        h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
        features = layers.Flatten()(h)
        class_vector = layers.Embedding(classes, features.shape[-1])(label)
        # e_y . f, and the logit, in float32
        projection = layers.Dot(axes=1, dtype="float32")(
            [class_vector, features])
        logit = layers.Add(dtype="float32")(
            [layers.Dense(1, dtype="float32")(features), projection])
        discriminator = keras.Model((image, label), logit, name="discriminator")

    gan = ConditionalGAN(generator, discriminator, noise_size, classes, seed,
                         average_decay=average_decay)
    gan((tf.zeros((1, noise_size)), tf.zeros((1,), tf.int32)))
    return gan
