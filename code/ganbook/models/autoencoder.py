"""The talk's autoencoder, 784 -> 100 -> 784: a ReLU code, trained to reproduce its input under squared error.

One change from the talk: the decoder ends in a sigmoid instead of a ReLU, so decoded pixels
lie in [0, 1] like the data (the talk's ReLU output could exceed 1).
"""

from __future__ import annotations

import keras
import tensorflow as tf

INPUT_SIZE = 784


class Autoencoder(keras.Model):
    """``encoder``: x -> relu(x W + b) in R^code; ``decoder``: code -> sigmoid(code V + c) in [0, 1]^784."""

    def __init__(self, code_size: int = 100, **kwargs):
        super().__init__(**kwargs)
        self.code_size = code_size
        self.encoder = keras.Sequential(
            [keras.Input((INPUT_SIZE,)), keras.layers.Dense(code_size, activation="relu", name="code")],
            name="encoder")
        self.decoder = keras.Sequential(
            [keras.Input((code_size,)), keras.layers.Dense(INPUT_SIZE, activation="sigmoid", name="pixels")],
            name="decoder")
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    @property
    def metrics(self):
        return [self.loss_tracker]

    # Shown in the chapter on autoencoders (book/autoencoders.md).
    def train_step(self, x):
        """One Adam step on a batch's reconstruction error."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(x)
        with tf.GradientTape() as tape:
            loss = reconstruction_error(x, self(x, training=True))
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, x):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(x)
        self.loss_tracker.update_state(reconstruction_error(x, self(x)))
        return {"loss": self.loss_tracker.result()}


# Shown in the chapter on autoencoders (book/autoencoders.md).
def reconstruction_error(x, x_hat):
    """Mean squared error per pixel, averaged over a batch: the talk's loss."""
    return tf.reduce_mean(tf.square(x - x_hat))


def build_autoencoder(code_size: int = 100) -> Autoencoder:
    model = Autoencoder(code_size)
    model(tf.zeros((1, INPUT_SIZE)))  # create every weight
    return model
