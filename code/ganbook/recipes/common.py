"""What several recipe families share: the GANs' compute precision (float32), the training
parameters every recipe's training names (and every GAN's and WGAN's), a GAN fit with them, and the arithmetic of an epoch (``work``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np

from ganbook import flops
from ganbook.codekeys import RecipeParams
from ganbook.flops import Work
from ganbook.train import fit_gan

# Every GAN recipe computes in float32, on every machine, so that a model's cache key and its numbers
# do not depend on the reader's CPU. bfloat16 (``compute_dtype="bfloat16"``, Keras's mixed_bfloat16)
# made the DCGAN's steps 1.47x and the latent GAN's 1.40x faster on a 2-core Xeon with AMX, but on a
# CPU without bfloat16 instructions TensorFlow emulates it: on a 2-core AMD EPYC with AVX2 only, the
# DCGAN's steps ran 11x slower (111 against 1,219 images/s) and the latent GAN's 1.7x slower (4,633
# against 8,113 codes/s; ``python -m ganbook.bench --only dcgan latent-gan``, December 2026).
GAN_COMPUTE_DTYPE = "float32"


@dataclass(frozen=True, kw_only=True)
class Training(RecipeParams):
    """What every recipe's training names: Adam's batch size and learning rate, and whether XLA compiles
    the steps (named, not Keras's "auto", so that every device trains the same program)."""

    batch_size: int
    learning_rate: float
    jit_compile: bool


@dataclass(frozen=True, kw_only=True)
class EpochTraining(Training):
    """Training for a number of ``epochs`` (passes over the training data)."""

    epochs: int

    def examples_per_generator_step(self) -> int:
        """Training examples per Adam step of the generating network (a generator, a decoder): a batch."""
        return self.batch_size


@dataclass(frozen=True, kw_only=True)
class GANTraining(EpochTraining):
    """How every GAN recipe trains: ``fit_gan``'s settings.

    ``snapshot_count`` generator outputs are kept after each of ``snapshot_epochs`` (None:
    ``fit_gan``'s default epochs); a recipe's ``score`` runs after each of ``score_epochs`` (None: never).
    """

    steps_per_execution: int
    snapshot_count: int
    snapshot_epochs: tuple[int, ...] | None = None
    score_epochs: tuple[int, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class WGANTraining(GANTraining):
    """How every WGAN-GP recipe trains: ``fit_wgan``'s settings (``critic_steps`` critic batches per
    generator step, gradient-penalty weight ``penalty``, Adam's ``betas``)."""

    critic_steps: int
    penalty: float
    betas: tuple[float, ...]

    def examples_per_generator_step(self) -> int:
        """Real examples the critic sees per generator step: ``critic_steps`` batches."""
        return self.batch_size * self.critic_steps


Params = TypeVar("Params", bound=RecipeParams)


def narrowed(params: RecipeParams, kind: type[Params]) -> Params:
    """The fields of ``params`` that the (base) class ``kind`` has, as a ``kind``."""
    return kind(**{item.name: getattr(params, item.name) for item in fields(kind)})


def _fit_gan(model, x: np.ndarray, params: GANTraining, score=None) -> dict[str, Any]:
    """``ganbook.train.fit_gan`` with the recipe's parameters (and ``score``, if given, after ``score_epochs``)."""
    return fit_gan(model, x, epochs=params.epochs, batch_size=params.batch_size,
                   learning_rate=params.learning_rate, jit_compile=params.jit_compile,
                   steps_per_execution=params.steps_per_execution, snapshot_count=params.snapshot_count,
                   snapshot_epochs=params.snapshot_epochs, score=score, score_epochs=params.score_epochs)


# Generator outputs kept in a GAN's record at each snapshot epoch (for the training-progress figures).
SNAPSHOT_COUNT = 40


# Training steps per call into TensorFlow for the dense GANs: one step per call left the latent GAN
# waiting on Python (10.9 s per epoch); 16 per call took 5.3 s, with the same steps.
GAN_STEPS_PER_EXECUTION = 16


def _gan_work(training_examples: int):
    """The work of ``fit_gan`` on ``training_examples`` real examples per epoch."""
    def work(model, params: GANTraining) -> Work:
        step = flops.gan_step_flops(model.generator, model.discriminator, r1=model.r1 > 0)
        return Work(step, params.epochs * training_examples)
    return work


def _epochs_work(training_images: int, validation_images: int):
    """The work of a Keras ``fit``: each epoch trains on every training image and passes the validation set."""
    def work(model, params: EpochTraining) -> Work:
        return Work(flops.training_flops(model), params.epochs * training_images,
                    params.epochs * validation_images * flops.forward_flops(model))
    return work
