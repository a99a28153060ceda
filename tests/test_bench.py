"""ganbook.bench: it times the models the recipes declare, with the recipes' own settings, and its command runs."""

from __future__ import annotations

import numpy as np
import pytest

from ganbook import bench, cache, flops, machine, recipes, zoo
from ganbook.models.gan import GAN

BENCHED = bench.STEP_RECIPES + bench.FIT_RECIPES


def _weight_shapes(model):
    return [tuple(weight.shape) for weight in model.weights]


def test_every_benchmarked_recipe_is_registered():
    assert set(BENCHED) <= set(zoo.names())


@pytest.mark.parametrize("name", BENCHED)
def test_the_benchmarked_model_is_the_recipes_model_built_from_its_parameters(name):
    build, params = bench.recipe_model(name)
    recipe = zoo.recipe(name)
    assert params == recipe.params
    assert _weight_shapes(build()) == _weight_shapes(recipe.build(recipe.params))


def test_changing_a_recipes_parameters_changes_the_benchmarked_model_and_batch(monkeypatch):
    declared = zoo.recipe
    overrides = {"code_size": 7, "batch_size": 64}
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: declared(name, **overrides, **kw))
    build, params = bench.recipe_model("autoencoder")
    assert build().encoder(np.zeros((1, 784), np.float32)).shape == (1, 7)
    assert bench.fit_setting(params)["batch_size"] == 64


@pytest.mark.parametrize("name", bench.FIT_RECIPES)
def test_fit_settings_and_optimizers_are_the_recipes(name):
    _, params = bench.recipe_model(name)
    setting = bench.fit_setting(params)
    assert setting["batch_size"] == params.batch_size
    assert setting["jit_compile"] is params.jit_compile
    assert setting["steps_per_execution"] == getattr(params, "steps_per_execution", 1)
    make = bench.compile_arguments(name, params)
    arguments = make()
    optimizers = [value for key, value in arguments.items() if key.endswith("optimizer")]
    adversarial = isinstance(zoo.recipe(name).build(params), GAN)
    assert len(optimizers) == (2 if adversarial else 1)
    for optimizer in optimizers:
        assert float(optimizer.learning_rate) == pytest.approx(params.learning_rate)
        assert optimizer.beta_1 == (0.5 if adversarial else 0.9)
    assert make()[next(iter(arguments))] is not optimizers[0], "each compile needs fresh optimizers"


def test_training_inputs_have_the_shape_each_recipe_trains_on():
    _, latent = bench.recipe_model("latent-gan")
    codes, labels = bench.training_inputs("latent-gan", latent, 12)
    assert codes.shape == (12, latent.code_size) and codes.min() >= 0 and labels is None
    assert bench.training_inputs("ring-gan", {}, 12)[0].shape == (12, 2)
    images, labels = bench.training_inputs("dcgan-conditional", {}, 12, np.zeros((20, 784), np.float32))
    assert images.shape == (12, 784) and labels.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    _, pets = bench.recipe_model("pet-classifier")
    pixels, labels = bench.training_inputs("pet-classifier", pets, 12)
    assert pixels.shape == (12, pets.size, pets.size, 3) and 0 <= pixels.min() and pixels.max() <= 1
    assert sorted(set(labels)) == [0, 1]
    flat = np.zeros((20, 784), np.float32)
    assert bench.training_inputs("vae-20", {}, 12, flat)[0].shape == (12, 784)
    with pytest.raises(ValueError, match="vae-20 trains on MNIST: pass at least 30"):
        bench.training_inputs("vae-20", {}, 30, flat)


def test_a_tiny_fit_measurement_reports_the_recipes_setting_and_step_flops(monkeypatch):
    declared = zoo.recipe
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: declared(name, code_size=8, batch_size=32, **kw))
    build, params = bench.recipe_model("autoencoder")
    x = np.random.default_rng(0).random((64, 784), dtype=np.float32)
    row = bench.bench_fit_model("autoencoder", build, params, x, bench.compile_arguments("autoencoder", params))
    assert row["recipe"] == "autoencoder" and row["examples"] == 64
    assert row["ours_s"] > 0 and row["plain_s"] > 0
    assert params.jit_compile is True and row["setting"] == "fit, XLA"  # the recipe trains with XLA
    # two dense kernels of 784 x 8: forward, weight gradients and the code layer's input gradient
    assert row["flops_per_example"] == 5 * 2 * 784 * 8


def test_a_bfloat16_recipe_says_so_in_its_setting(monkeypatch):
    declared = zoo.recipe
    monkeypatch.setattr(zoo, "recipe", lambda name, **kw: declared(name, width=4, noise_size=8, batch_size=16,
                                                                    steps_per_execution=2, compute_dtype="bfloat16",
                                                                    **kw))
    build, params = bench.recipe_model("dcgan")
    x = np.random.default_rng(0).random((32, 784), dtype=np.float32)
    row = bench.bench_fit_model("dcgan", build, params, x, bench.compile_arguments("dcgan", params))
    assert row["setting"] == "fit, bfloat16, 2 steps per call"


def test_the_command_explains_its_options(capsys):
    with pytest.raises(SystemExit) as exit:
        bench.main(["--help"])
    assert exit.value.code == 0
    shown = capsys.readouterr().out
    assert "--steps" in shown and "--out" in shown and "recipe's own parameters" in shown


def _fake_build(monkeypatch, records):
    """Two recipes of 100 and 200 GFLOP with the given cache records (None: not cached)."""
    work = {"a": flops.Work(100e9, 1), "b": flops.Work(150e9, 1, evaluation_flops=50e9)}
    monkeypatch.setattr(bench, "recipe_work", lambda name: work[name])
    monkeypatch.setattr(zoo, "recipe", lambda name: name)
    monkeypatch.setattr(cache, "stored_record", lambda name: records[name])


def _record(end: str, seconds: float) -> dict:
    return {"saved_at": f"2026-11-26T10:00:{end}+0000", "train_seconds": seconds}


def test_build_efficiency_divides_all_flops_by_the_span_of_the_trainings(monkeypatch):
    # a: 10:00:10-10:00:20, b: 10:00:05-10:00:15, side by side: 15 s for 300 GFLOP
    _fake_build(monkeypatch, {"a": _record("20", 10.0), "b": _record("15", 10.0)})
    result = bench.build_efficiency(peak_gflops=60.0, names=["a", "b"])
    a, b = result["recipes"]
    assert (a["gflop"], a["seconds_at_peak"], a["gflops"]) == (100.0, pytest.approx(100 / 60), 10.0)
    assert (b["gflop"], b["training_gflop"], b["gflops"]) == (200.0, 150.0, 20.0)
    build = result["build"]
    assert build["span_seconds"] == build["training_seconds"] == 15.0 and build["one_run"]
    assert build["gflops"] == pytest.approx(20.0) and build["fraction_of_peak"] == pytest.approx(20 / 60)
    assert build["seconds_at_peak"] == pytest.approx(5.0)


def test_idle_time_between_trainings_is_left_out_and_long_gaps_mean_separate_runs(monkeypatch):
    # a: 10:01:40-10:01:50, b: 10:00:05-10:00:15: a 105 s span, 20 s of training, an 85 s gap
    _fake_build(monkeypatch, {"a": {"saved_at": "2026-11-26T10:01:50+0000", "train_seconds": 10.0},
                              "b": _record("15", 10.0)})
    build = bench.build_efficiency(60.0, names=["a", "b"])["build"]
    assert (build["span_seconds"], build["training_seconds"]) == (105.0, 20.0)
    assert build["gflops"] == pytest.approx(15.0) and not build["one_run"]


def test_covered_seconds_is_the_length_of_the_union_of_intervals():
    assert bench._covered_seconds([(0, 10), (5, 15), (20, 25), (21, 22)]) == 20.0


def test_without_every_record_there_is_no_aggregate_speed(monkeypatch):
    _fake_build(monkeypatch, {"a": _record("20", 10.0), "b": None})
    result = bench.build_efficiency(60.0, names=["a", "b"])
    assert "seconds" not in result["recipes"][1] and "span_seconds" not in result["build"]
    assert result["build"]["gflop"] == 300.0 and result["build"]["timed_models"] == 1
