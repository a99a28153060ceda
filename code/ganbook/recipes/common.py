"""What several recipe families share: the GANs' compute precision, a GAN fit with a recipe's
parameters, and the arithmetic of an epoch (``work``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ganbook import flops, machine, settings
from ganbook.flops import Work
from ganbook.train import fit_gan

def gan_compute_dtype() -> str:
    """The compute precision of the MNIST DCGAN (and its ablation runs) and of the GANs on codes:
    "bfloat16" where the CPU computes in it natively (unless ``GANBOOK_BFLOAT16=0``), else
    "float32". It is a recipe parameter, so a model's cache key says which one trained it.

    Measured on one thread of a 2-core Xeon with AMX (``python -m ganbook.bench``): DCGAN steps
    1.47x, the conditional DCGAN's 1.44x, the pet DCGAN's 1.61x and the latent GAN's 1.40x
    faster than in float32. On a CPU without bfloat16 instructions TensorFlow would emulate it,
    slower than float32. The conditional and the pet DCGAN stay in float32 (their recipes say
    why). The GANs on the ring of Gaussians stay in float32 untried: the data's spread (0.02
    at a radius of 2) is close to the steps in which bfloat16 rounds numbers near 2 (0.016).
    """
    return "bfloat16" if settings.bfloat16_allowed() and machine.native_bfloat16() else "float32"


def _fit_gan(model, x: np.ndarray, params: Mapping[str, Any], score=None) -> dict[str, Any]:
    """``ganbook.train.fit_gan`` with the recipe's parameters (and ``score``, if given, after ``score_epochs``)."""
    return fit_gan(model, x, epochs=params["epochs"], batch_size=params["batch_size"],
                   learning_rate=params["learning_rate"], jit_compile=params["jit_compile"],
                   steps_per_execution=params["steps_per_execution"], snapshot_count=params["snapshot_count"],
                   snapshot_epochs=params.get("snapshot_epochs"), score=score,
                   score_epochs=params.get("score_epochs"))


# Generator outputs kept in a GAN's record at each snapshot epoch (for the training-progress figures).
SNAPSHOT_COUNT = 40


# Training steps per call into TensorFlow for the dense GANs: one step per call left the latent GAN
# waiting on Python (10.9 s per epoch); 16 per call took 5.3 s, with the same steps.
GAN_STEPS_PER_EXECUTION = 16


def _gan_work(training_examples: int):
    """The work of ``fit_gan`` on ``training_examples`` real examples per epoch."""
    def work(model, params: Mapping[str, Any]) -> Work:
        step = flops.gan_step_flops(model.generator, model.discriminator, r1=bool(params.get("r1")))
        return Work(step, params["epochs"] * training_examples)
    return work


def _epochs_work(training_images: int, validation_images: int):
    """The work of a Keras ``fit``: each epoch trains on every training image and passes the validation set."""
    def work(model, params: Mapping[str, Any]) -> Work:
        return Work(flops.training_flops(model), params["epochs"] * training_images,
                    params["epochs"] * validation_images * flops.forward_flops(model))
    return work
