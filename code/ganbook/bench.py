"""Benchmark: the machine's matmul peak, each recipe's training throughput against plain ``model.fit``,
and the book's per-chapter execution times. ``python -m ganbook.bench [--steps N] [--out FILE]``.

Writes one JSON file (default ``_build/bench.json``) and prints a table. Throughput is measured
after a warm-up (compilation excluded) on real MNIST batches; GFLOP/s counts the dense layers'
multiply-adds (forward 2 * in * out per example, training about three times that).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from ganbook import settings  # noqa: F401  (quiet TensorFlow before it is imported)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from ganbook import data, toy, zoo  # noqa: E402
from ganbook.models import classifier, gan  # noqa: E402
from ganbook.train import compiled_step, one_hot  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SPEEDUP_TARGET = 1.3  # issue 10: every recipe at least 1.3x its plain-fit version, or a reason why not

# Why a recipe's fastest known setting stays below SPEEDUP_TARGET (printed only when it does).
BELOW_TARGET_REASONS = {
    "vae-20": "XLA with one step per call was slower than plain fit (11.4 against 8.8-10.0 s per epoch); "
              "XLA with 8 steps per call was the fastest setting measured (6.9 s)",
    "autoencoder": "100-unit layers leave each step bound by per-step overhead; more steps per call not tried, "
                   "since retraining it would change the latent GAN's codes",
    "ring-gan": "a short run is mostly XLA compilation; over a whole 10,000-step training, 25 steps per call "
                "with XLA took 25 s against 46 s with one",
}
CONVOLUTION_REASON = "convolutions: XLA measured 2-2.5x slower here, so the recipe uses plain fit (1.0x by construction)"


def matmul_peak(size: int = 4096, repeats: int = 5) -> float:
    """GFLOP/s of a size x size float32 matmul in TensorFlow (best of ``repeats``)."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda x, y: tf.matmul(x, y))
    product(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def dense_training_flops(model: keras.Model) -> float:
    """Approximate training FLOPs per example: 6 * sum(in * out) over Dense kernels (0 if there are none)."""
    # Dense kernels are the only 2-d weights in the book's models (convolution kernels are 4-d).
    return 6.0 * sum(int(np.prod(w.shape)) for w in model.trainable_weights if len(w.shape) == 2)


def _time(function, repeats: int) -> float:
    function()  # warm-up and compilation
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats


def bench_custom_step(name: str, build, steps: int, jit: bool, batch: int = 128) -> dict:
    """A classifier trained by our compiled step (``train.compiled_step``) against plain ``fit`` without XLA."""
    mnist = data.load_mnist()
    x, y = data.flatten(mnist.train.x[: steps * batch]), one_hot(mnist.train.y[: steps * batch])
    model = build()
    step = compiled_step(model, classifier.loss_function("cross-entropy"), keras.optimizers.Adam(1e-3), jit_compile=jit)

    def ours():
        for s in range(0, len(x), batch):
            step(x[s : s + batch], y[s : s + batch])
        float(step(x[:batch], y[:batch]))

    plain = build()
    plain.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True), jit_compile=False)
    fast, slow = _time(ours, 2), _time(lambda: plain.fit(x, y, batch_size=batch, epochs=1, verbose=0), 2)
    setting = "custom tf.function step, XLA" if jit else "custom tf.function step (XLA measured 2x slower for convs)"
    return {"recipe": name, "examples": len(x), "ours_s": fast, "plain_s": slow,
            "flops_per_example": dense_training_flops(model), "setting": setting}


def bench_fit_model(name: str, build, x: np.ndarray, jit: bool, compile_kwargs, batch: int = 128,
                    y: np.ndarray | None = None, steps_per_execution: int = 1) -> dict:
    """A model trained by ``fit``: the recipe's setting (XLA or not, steps per execution) against plain fit."""
    timings = {}
    for label, use_jit, per_call in (("ours", jit, steps_per_execution), ("plain", False, 1)):
        model = build()
        model.compile(**compile_kwargs(), jit_compile=use_jit, steps_per_execution=per_call)
        timings[label] = _time(lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False), 2)
    flops = dense_training_flops(model)
    parts = (["XLA"] if jit else []) + ([f"{steps_per_execution} steps per call"] if steps_per_execution > 1 else [])
    setting = ("fit, " + ", ".join(parts) if parts
               else "plain fit: XLA measured slower here, so no faster setting is known")
    return {"recipe": name, "examples": len(x), "ours_s": timings["ours"], "plain_s": timings["plain"],
            "flops_per_example": flops, "setting": setting}


def chapter_times() -> dict[str, float]:
    """Execution seconds per chapter, from jupyter-cache's records of the last build."""
    try:
        from jupyter_cache import get_cache
    except ImportError:
        return {}
    path = REPO / "_build" / ".jupyter_cache"
    if not path.exists():
        return {}
    times = {}
    for record in get_cache(str(path)).list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            times[Path(record.uri).stem] = float(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100, help="training steps per measurement")
    parser.add_argument("--out", type=Path, default=REPO / "_build" / "bench.json")
    args = parser.parse_args()
    peak = matmul_peak()
    mnist = data.load_mnist(validation=True)
    x = data.flatten(mnist.train.x[: args.steps * 128])
    adam = lambda: {"optimizer": keras.optimizers.Adam(1e-3)}  # noqa: E731
    two_adams = lambda: {"d_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5),  # noqa: E731
                         "g_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5)}
    recipes = {name: zoo.recipe(name).params for name in ("autoencoder", "vae-20", "latent-gan", "dcgan", "ring-gan")}
    from ganbook.models import autoencoder, vae

    codes = np.maximum(np.random.default_rng(0).normal(2.0, 2.0, (len(x), 100)), 0).astype(np.float32)
    pet_x = np.random.default_rng(1).random((args.steps * 64, 32, 32, 3), dtype=np.float32)
    pet_y = np.arange(len(pet_x)) % 2
    ring = toy.ring_of_gaussians(args.steps * 256)
    from ganbook.models import pets, ring_gan

    sparse_ce = lambda: {"optimizer": keras.optimizers.Adam(1e-3),  # noqa: E731
                         "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True)}
    rows = [
        bench_custom_step("mlp-ce", lambda: classifier.build_mlp(256, "cross-entropy", "relu"), args.steps, True),
        bench_custom_step("cnn-judge", lambda: classifier.build_cnn(16, 128), args.steps, False),
        bench_fit_model("autoencoder", lambda: autoencoder.build_autoencoder(100), x,
                        recipes["autoencoder"]["jit_compile"], adam),
        bench_fit_model("vae-20", lambda: vae.build_vae(20), x, recipes["vae-20"]["jit_compile"], adam,
                        steps_per_execution=recipes["vae-20"]["steps_per_execution"]),
        bench_fit_model("latent-gan", lambda: gan.build_latent_gan(100, recipes["latent-gan"]["noise_size"], (512, 512),
                                                        average_decay=recipes["latent-gan"]["average_decay"]), codes,
                        recipes["latent-gan"]["jit_compile"], two_adams,
                        steps_per_execution=recipes["latent-gan"]["steps_per_execution"]),
        bench_fit_model("dcgan", lambda: gan.build_dcgan(64, 32), x, recipes["dcgan"]["jit_compile"], two_adams,
                        steps_per_execution=recipes["dcgan"]["steps_per_execution"]),
        bench_fit_model("ring-gan", lambda: ring_gan.build_ring_gan(16, (128, 128)), ring,
                        recipes["ring-gan"]["jit_compile"], two_adams, batch=256,
                        steps_per_execution=recipes["ring-gan"]["steps_per_execution"]),
        bench_fit_model("pet-classifier", lambda: pets.build_pet_classifier(32), pet_x, False, sparse_ce, batch=64,
                        y=pet_y),
        bench_fit_model("pet-vae", lambda: pets.build_conv_vae(32, 64, 32), pet_x, False, adam, batch=64),
        bench_fit_model("pet-dcgan", lambda: pets.build_pet_dcgan(32, 100, 16), pet_x, False, two_adams, batch=64),
    ]
    for row in rows:
        row["examples_per_s"] = row["examples"] / row["ours_s"]
        row["speedup_vs_plain_fit"] = row["plain_s"] / row["ours_s"]
        row["gflops"] = row["flops_per_example"] * row["examples_per_s"] / 1e9
        row["fraction_of_peak"] = row["gflops"] / peak
        if row["speedup_vs_plain_fit"] < SPEEDUP_TARGET:
            reason = BELOW_TARGET_REASONS.get(row["recipe"])
            row["below_target_because"] = reason or (CONVOLUTION_REASON if row["setting"].startswith("plain fit") else
                                                     "no reason recorded")
    report = {"machine": platform.platform(), "matmul_peak_gflops": peak, "recipes": rows,
              "chapter_seconds": chapter_times()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"matmul peak: {peak:.0f} GFLOP/s")
    print(f"{'recipe':12s} {'examples/s':>11s} {'GFLOP/s':>8s} {'of peak':>8s} {'vs plain fit':>13s}  setting")
    for row in rows:
        gflops = f"{row['gflops']:.0f}" if row["flops_per_example"] else "-"
        share = f"{row['fraction_of_peak']:.0%}" if row["flops_per_example"] else "-"
        print(f"{row['recipe']:12s} {row['examples_per_s']:11.0f} {gflops:>8s} {share:>8s} "
              f"{row['speedup_vs_plain_fit']:12.2f}x  {row['setting']}")
    for row in rows:
        if "below_target_because" in row:
            print(f"  {row['recipe']} below {SPEEDUP_TARGET}x: {row['below_target_because']}")
    for chapter, seconds in sorted(report["chapter_seconds"].items()):
        print(f"chapter {chapter:24s} {seconds:8.1f} s")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
