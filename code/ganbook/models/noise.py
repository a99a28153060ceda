"""Seeded random numbers inside training steps, fast under XLA.

``keras.random.uniform`` / ``normal`` call TensorFlow's stateless ops with the default
algorithm, which XLA on this CPU runs about 100 times slower than Philox: 128 x 784 uniforms
took 47.7 ms against 0.33 ms (1.2 ms against 0.30 ms without XLA). These draw the same kind of
numbers, seeded by a ``keras.random.SeedGenerator`` (so saving, seeding and determinism work as
before), with the Philox algorithm.
"""

from __future__ import annotations

import keras
import tensorflow as tf

ALGORITHM = "philox"


def _seed(seed_generator: keras.random.SeedGenerator):
    return tf.cast(seed_generator.next(), tf.int32)


def uniform(shape, seed_generator: keras.random.SeedGenerator, dtype=tf.float32):
    """Uniform numbers in [0, 1)."""
    return tf.random.stateless_uniform(shape, seed=_seed(seed_generator), dtype=dtype, alg=ALGORITHM)


def normal(shape, seed_generator: keras.random.SeedGenerator, dtype=tf.float32):
    """Standard normal numbers."""
    return tf.random.stateless_normal(shape, seed=_seed(seed_generator), dtype=dtype, alg=ALGORITHM)
