"""Training loops: seeded, compiled (``tf.function``, XLA where it measured faster), returning histories.

Batches are contiguous slices of a freshly permuted copy of the data each epoch; the last
partial batch is dropped so every step has the same shape and XLA compiles once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

EVAL_BATCH = 10_000


@dataclass
class TrainingRecord:
    """What training produced besides weights: per-epoch (or per-step) history and final metrics."""

    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def one_hot(labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """Integer labels -> float32 one-hot rows."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must be a 1-d array of integers in 0..{classes - 1}")
    return np.eye(classes, dtype=np.float32)[labels]


def check_training_input(data: Any, **counts: Any) -> None:
    """Refuse, before anything trains, what would otherwise train silently wrong or fail obscurely:
    a count (``batch_size=0``, ``epochs=0``) below 1, which Keras replaces by its default or ends in a
    ``KeyError``; no examples; NaN or infinite values, which would surface as a "diverged" loss.
    ``data``: an array, or a tuple of arrays (images and labels)."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    for array in data if isinstance(data, (tuple, list)) else (data,):
        array = np.asarray(array)
        if array.ndim == 0 or len(array) == 0:
            raise ValueError(f"the training data are empty (shape {array.shape}): nothing to train on")
        bad = array.size - int(np.isfinite(array).sum()) if array.dtype.kind == "f" else 0
        if bad:
            raise ValueError(f"the training data contain {bad} NaN or infinite values (of {array.size}): "
                             "clean or drop those examples first")


def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator):
    """Yield the full batches of one shuffled pass over (x, y); a batch larger than the data is an error."""
    if not 1 <= batch_size <= len(x):
        # with no full batch, a loop counting steps would wait forever for one
        raise ValueError(f"batch_size must be from 1 to the number of training examples ({len(x)}), got {batch_size}")
    order = rng.permutation(len(x))
    xs, ys = x[order], y[order]
    for start in range(0, len(x) - batch_size + 1, batch_size):
        yield xs[start : start + batch_size], ys[start : start + batch_size]


# Shown in the chapter on feed-forward networks (book/feedforward.md).
def compiled_step(model: keras.Model, loss_fn: Callable,
                  optimizer: keras.optimizers.Optimizer,
                  jit_compile: bool = True) -> Callable:
    """A gradient step on a batch, compiled by TensorFlow; returns its loss."""
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def step(x, targets):
        with tf.GradientTape() as tape:
            loss = loss_fn(targets, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(
            zip(gradients, model.trainable_variables))
        return loss

    return step


def compiled_evaluator(model: keras.Model, loss_fn: Callable) -> Callable[[np.ndarray, np.ndarray], tuple[float, float]]:
    """(x, one-hot y) -> (mean loss, 0-1 error) over a whole set, batched and compiled."""

    @tf.function(jit_compile=True, reduce_retracing=True)
    def batch_sums(x, targets):
        outputs = model(x, training=False)
        wrong = tf.not_equal(tf.argmax(outputs, axis=-1), tf.argmax(targets, axis=-1))
        size = tf.cast(tf.shape(x)[0], tf.float32)
        return loss_fn(targets, outputs) * size, tf.reduce_sum(tf.cast(wrong, tf.float32))

    def evaluate(x: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
        loss_sum = wrong_sum = 0.0
        for start in range(0, len(x), EVAL_BATCH):
            loss, wrong = batch_sums(x[start : start + EVAL_BATCH], targets[start : start + EVAL_BATCH])
            loss_sum, wrong_sum = loss_sum + float(loss), wrong_sum + float(wrong)
        return loss_sum / len(x), wrong_sum / len(x)

    return evaluate


def train_classifier(model: keras.Model, loss_fn: Callable, train: tuple[np.ndarray, np.ndarray],
                     test: tuple[np.ndarray, np.ndarray], *, steps: int, batch_size: int, learning_rate: float,
                     eval_every: int, seed: int, decay_to: float = 1.0,
                     train_eval_size: int = 10_000, jit_compile: bool = True) -> TrainingRecord:
    """Train with Adam for ``steps`` steps; every ``eval_every`` steps record loss and 0-1 error on both sets.

    The training loss and error are measured on a fixed random subset of ``train_eval_size``
    training images (the whole training set when it is smaller), which estimates them
    without bias at a fraction of the cost; the test set is always used whole.
    ``decay_to`` < 1 decays the learning rate along a cosine to ``decay_to * learning_rate``.
    Inputs are (n, 784) float32 arrays and integer labels. ``jit_compile`` compiles the training
    step with XLA: faster for dense networks on CPU, about twice slower for convolutional ones here.
    """
    check_training_input(train[0], steps=steps, batch_size=batch_size, eval_every=eval_every)
    x_train, y_train = np.asarray(train[0], np.float32), one_hot(train[1])
    x_test, y_test = np.asarray(test[0], np.float32), one_hot(test[1])
    if x_train.ndim != 2 or x_train.shape[1] != model.input_shape[-1]:
        raise ValueError(f"training inputs must have shape (n, {model.input_shape[-1]}), got {x_train.shape}")
    schedule = learning_rate
    if decay_to < 1.0:
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=decay_to)
    step = compiled_step(model, loss_fn, keras.optimizers.Adam(schedule), jit_compile=jit_compile)
    evaluate = compiled_evaluator(model, loss_fn)
    rng = np.random.default_rng(seed)
    monitor = rng.permutation(len(x_train))[:train_eval_size]
    x_monitor, y_monitor = x_train[monitor], y_train[monitor]
    history: dict[str, list[float]] = {"step": [], "train_loss": [], "train_error": [], "test_loss": [], "test_error": []}

    def record(at: int) -> None:
        train_loss, train_error = evaluate(x_monitor, y_monitor)
        test_loss, test_error = evaluate(x_test, y_test)
        for key, value in zip(history, (at, train_loss, train_error, test_loss, test_error)):
            history[key].append(float(value))
        if not np.isfinite(train_loss):
            raise FloatingPointError(f"training loss became {train_loss} at step {at}: lower the learning rate")

    record(0)
    done = 0
    while done < steps:
        for x_batch, y_batch in epoch_batches(x_train, y_train, batch_size, rng):
            step(x_batch, y_batch)
            done += 1
            if done % eval_every == 0 or done == steps:
                record(done)
            if done == steps:
                break
    _, train_error = evaluate(x_train, y_train)  # the final training error on the whole set
    final = {"test_error": history["test_error"][-1], "test_accuracy": 1.0 - history["test_error"][-1],
             "train_error": train_error, "test_loss": history["test_loss"][-1]}
    return TrainingRecord(history=history, metrics=final)


def history_record(history: dict[str, list], loss: str = "loss") -> dict[str, list[float]]:
    """A Keras history as plain floats, after checking that the ``loss`` series stayed finite."""
    values = history[loss]
    if not np.all(np.isfinite(values)):
        raise FloatingPointError(f"the {loss} became {values[-1]}: lower the learning rate")
    return {key: [float(v) for v in series] for key, series in history.items()}


def _example_shape(model: keras.Model) -> tuple[int, ...] | None:
    """The shape of one input example: the model's, else its encoder's (subclassed models); None if unknown."""
    for candidate in (model, getattr(model, "encoder", None)):
        try:
            return tuple(candidate.input_shape[1:])
        except (AttributeError, ValueError):
            continue
    return None


def fit_unsupervised(model: keras.Model, x_train: np.ndarray, x_val: np.ndarray | None, *, epochs: int,
                     batch_size: int, learning_rate: float, jit_compile: bool | str = True,
                     steps_per_execution: int = 1) -> dict[str, list[float]]:
    """Train a model whose ``train_step`` needs only x (autoencoders, VAEs) with Adam; per-epoch history.

    ``jit_compile=True`` compiles the step with XLA, which measured faster for dense models on CPU
    (``"auto"`` leaves the choice to Keras).
    """
    check_training_input(x_train, epochs=epochs, batch_size=batch_size, steps_per_execution=steps_per_execution)
    x_train = np.asarray(x_train, np.float32)
    expected = _example_shape(model)
    if expected is not None and x_train.shape[1:] != expected:
        raise ValueError(f"training inputs must have shape (n, {', '.join(map(str, expected))}), got "
                         f"{x_train.shape}" + (": flatten images first" if len(expected) == 1 else ""))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=jit_compile,
                  steps_per_execution=steps_per_execution)
    history = model.fit(x_train, validation_data=(x_val,) if x_val is not None else None, epochs=epochs,
                        batch_size=batch_size, shuffle=True, verbose=0).history
    return history_record(history)


def fit_classifier(model: keras.Model, train: tuple[np.ndarray, np.ndarray],
                   validation: tuple[np.ndarray, np.ndarray], *, epochs: int, batch_size: int,
                   learning_rate: float, decay_to: float, jit_compile: bool = False) -> TrainingRecord:
    """Keras ``fit`` of a classifier with logits: Adam on a cosine-decaying learning rate, cross-entropy.

    Per-epoch loss and accuracy on both sets; the final validation accuracy as the metric.
    Used where the model itself augments its inputs in training
    (``ganbook.models.classifier.build_pet_classifier``). ``jit_compile``: XLA on or off.
    """
    check_training_input(train[0], epochs=epochs, batch_size=batch_size)
    steps = epochs * (len(train[0]) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=decay_to)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=jit_compile)
    history = model.fit(*train, batch_size=batch_size, epochs=epochs, validation_data=validation,
                        shuffle=True, verbose=0).history
    record = history_record(history)
    return TrainingRecord(history=record, metrics={"validation_accuracy": record["val_accuracy"][-1]})


class GeneratorSnapshots(keras.callbacks.Callback):
    """Generator outputs for a fixed batch of noise after chosen epochs (rounded, to keep the record small).

    With generator averaging the snapshot shows the averaged generator, the one training returns.
    """

    def __init__(self, epochs: list[int], count: int):
        super().__init__()
        self.epochs, self.count, self.taken = set(epochs), count, {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            with self.model.averaged_generator():
                self.taken[epoch + 1] = np.round(self.model.sample(self.count, seed=1), 3).tolist()


class ScoredEpochs(keras.callbacks.Callback):
    """``score(gan) -> dict`` of the live and of the averaged generator after chosen epochs.

    ``scores[epoch]`` is ``{"live": ..., "averaged": ...}``; without averaging both are the live
    generator's. Scoring draws its own seeded noise, so it does not change training.
    """

    def __init__(self, epochs: list[int], score: Callable[[keras.Model], dict[str, float]]):
        super().__init__()
        self.epochs, self.score, self.scores = set(epochs), score, {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            live = self.score(self.model)
            if not self.model.generator_average:  # nothing to average: the same generator
                self.scores[epoch + 1] = {"live": live, "averaged": live}
                return
            with self.model.averaged_generator():
                averaged = self.score(self.model)
            self.scores[epoch + 1] = {"live": live, "averaged": averaged}


@contextlib.contextmanager
def without_remapping() -> Iterator[None]:
    """Graphs optimised inside the block skip grappler's remapper (operator fusion), which is back on afterwards.

    With oneDNN on, the remapper fails on a GAN's training step (a convolution's BiasAdd feeds
    both the leaky ReLU it would fuse with and the gradient) and logs "remapper failed" to
    stderr; the graph then runs unfused anyway. Measured without it: the DCGAN's, the pet
    DCGAN's and the latent GAN's steps no slower (895 against 746, 736 against 740, 6,178
    against 5,793 examples per second).
    """
    before = tf.config.optimizer.get_experimental_options().get("remapping", True)
    tf.config.optimizer.set_experimental_options({"remapping": False})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": before})


def adversarial_optimizers(learning_rate: float, betas: tuple[float, float] = (0.5, 0.999)) -> dict[str, Any]:
    """One Adam for each player, as ``fit_gan`` and ``fit_wgan`` compile a GAN (and the benchmark does)."""
    beta_1, beta_2 = betas
    return {"d_optimizer": keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2),
            "g_optimizer": keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)}


def _fit_with_snapshots(model: keras.Model, x: np.ndarray, *, epochs: int, batch_size: int, loss: str,
                        snapshot_epochs: list[int] | None, snapshot_count: int,
                        callbacks: Sequence[keras.callbacks.Callback] = ()) -> dict[str, Any]:
    """``model.fit`` for a compiled GAN, keeping ``snapshot_count`` generator outputs after each of
    ``snapshot_epochs`` (by default the first, a quarter, half and all of the epochs); a GAN that
    averages its generator's weights ends with the average."""
    snapshot_epochs = sorted(snapshot_epochs or {1, max(1, epochs // 4), max(1, epochs // 2), epochs})
    snapshots = GeneratorSnapshots(snapshot_epochs, count=snapshot_count)
    with without_remapping():
        history = model.fit(x, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
                            callbacks=[snapshots, *callbacks]).history
    record: dict[str, Any] = history_record(history, loss=loss)
    model.adopt_generator_average()
    record["snapshot_epochs"] = snapshot_epochs
    record["snapshots"] = [snapshots.taken[e] for e in snapshot_epochs]
    return record


def fit_gan(model: keras.Model, x: np.ndarray, *, epochs: int, batch_size: int, learning_rate: float,
            jit_compile: bool, steps_per_execution: int, snapshot_count: int,
            snapshot_epochs: list[int] | None = None,
            score: Callable[[keras.Model], dict[str, float]] | None = None,
            score_epochs: list[int] | None = None) -> dict[str, Any]:
    """Adam (beta_1 = 0.5) for both players; per-epoch means of the losses and of D's outputs, plus snapshots.

    ``steps_per_execution`` training steps run per call into TensorFlow (fewer Python round trips;
    the steps themselves are unchanged). ``snapshot_count`` generator outputs are kept after the
    epochs in ``snapshot_epochs``, or after the first, a quarter, half and all of them. With
    ``score``, the record's ``scores`` hold its values for the live and the averaged generator
    after each of ``score_epochs`` (``ScoredEpochs``). A GAN that averages its generator's
    weights ends with the average.
    """
    check_training_input(x, epochs=epochs, batch_size=batch_size, steps_per_execution=steps_per_execution,
                         snapshot_count=snapshot_count)
    model.compile(**adversarial_optimizers(learning_rate), jit_compile=jit_compile,
                  steps_per_execution=steps_per_execution)
    scored = [ScoredEpochs(sorted(score_epochs or [epochs]), score)] if score is not None else []
    record = _fit_with_snapshots(model, x, epochs=epochs, batch_size=batch_size, loss="d_loss",
                                 snapshot_epochs=snapshot_epochs, snapshot_count=snapshot_count, callbacks=scored)
    if scored:
        record["score_epochs"] = sorted(scored[0].scores)
        record["scores"] = [scored[0].scores[e] for e in record["score_epochs"]]
    return record


def fit_wgan(model: keras.Model, x: np.ndarray, *, epochs: int, batch_size: int, learning_rate: float,
             betas: tuple[float, float], jit_compile: bool, steps_per_execution: int, snapshot_count: int,
             snapshot_epochs: list[int] | None = None) -> dict[str, Any]:
    """Train a ``ganbook.models.wgan.WassersteinGAN``: Adam with ``betas`` for both players.

    ``batch_size`` is the critic's batch: each training step takes ``critic_steps`` of them,
    so an epoch is one pass of the critic over ``x`` (and ``critic_steps`` times fewer generator
    steps). History: per-epoch means of the critic's loss, its W1 estimate E f(x) - E f(G(z)),
    the gradient penalty and the generator's loss; snapshots as in ``fit_gan``.
    """
    check_training_input(x, epochs=epochs, batch_size=batch_size, steps_per_execution=steps_per_execution,
                         snapshot_count=snapshot_count)
    model.compile(**adversarial_optimizers(learning_rate, betas), jit_compile=jit_compile,
                  steps_per_execution=steps_per_execution)
    return _fit_with_snapshots(model, x, epochs=epochs, batch_size=batch_size * model.critic_steps,
                               loss="critic_loss", snapshot_epochs=snapshot_epochs, snapshot_count=snapshot_count)


def refine_critic(model: keras.Model, x: np.ndarray, *, steps: int, batch_size: int, learning_rate: float,
                  betas: tuple[float, float], seed: int = 0) -> None:
    """Train only the critic of a trained ``ganbook.models.wgan.WassersteinGAN`` for ``steps`` more
    steps against its generator as it is (which does not move), on batches drawn from ``x`` with ``seed``.

    Training ends with a generator step, which lowers the current critic's score gap; a few critic
    steps more show how far below a critic trained against the final generator it was.
    """
    check_training_input(x, steps=steps, batch_size=batch_size)
    beta_1, beta_2 = betas
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2),
                  g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        model._critic_step(tf.constant(x[rng.integers(0, len(x), batch_size)]))
