"""ganbook.remote: published cache entries are fetched on a miss, and anything wrong falls back to training.

A loopback HTTP server serves a folder of packed entries, as the published site's ``models/`` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ganbook import cache, remote, settings, zoo
from tests.serving import serving
from tests.test_cache import CALLS, tiny_recipe, weights_of


@pytest.fixture(autouse=True)
def reset_calls():
    CALLS["train"] = 0


def _published(tmp_path, monkeypatch, recipe):
    """Train ``recipe`` into a publisher's cache and pack it; then switch to an empty reader's cache."""
    publisher = tmp_path / "publisher"
    monkeypatch.setenv(settings.CACHE_DIR_VARIABLE, str(publisher))
    trained = cache.load_or_train(recipe)
    site = tmp_path / "site" / "models"
    remote.pack([cache.entry_dir(recipe)], site)
    monkeypatch.setenv(settings.CACHE_DIR_VARIABLE, str(tmp_path / "reader"))
    CALLS["train"] = 0
    return trained, site


def _index(site: Path) -> dict:
    return json.loads((site / remote.INDEX_FILE).read_text())


def _rewrite_index(site: Path, entry: str, archive: Path) -> None:
    """Make the index vouch for ``archive`` (a server that serves what it lists, however bad)."""
    index = _index(site)
    index["entries"][entry] = {"archive": archive.name, "sha256": remote.sha256_of(archive),
                               "bytes": archive.stat().st_size}
    (site / remote.INDEX_FILE).write_text(json.dumps(index))


def test_a_fresh_cache_downloads_a_published_entry_instead_of_training(tmp_path, monkeypatch):
    trained, site = _published(tmp_path, monkeypatch, tiny_recipe())
    with serving(site) as base:
        monkeypatch.setenv(settings.MODELS_URL_VARIABLE, base)
        fetched = cache.load_or_train(tiny_recipe())
    assert fetched.source == cache.DOWNLOADED and fetched.loaded and CALLS["train"] == 0
    assert fetched.provenance == "downloaded from the published models"
    for a, b in zip(weights_of(trained.model), weights_of(fetched.model)):
        np.testing.assert_array_equal(a, b)
    assert fetched.history == trained.history and fetched.key == trained.key
    again = cache.load_or_train(tiny_recipe())  # now in the reader's own cache; the server is gone
    assert again.source == cache.FROM_CACHE and CALLS["train"] == 0


def test_packing_is_repeatable_and_the_index_holds_each_archives_sha256(tmp_path, monkeypatch):
    _, site = _published(tmp_path, monkeypatch, tiny_recipe())
    entry = cache.entry_dir(tiny_recipe()).name
    listed = _index(site)["entries"][entry]
    archive = site / listed["archive"]
    assert listed["sha256"] == remote.sha256_of(archive) and listed["bytes"] == archive.stat().st_size
    first = archive.read_bytes()
    monkeypatch.setenv(settings.CACHE_DIR_VARIABLE, str(tmp_path / "publisher"))
    remote.pack([cache.entry_dir(tiny_recipe())], site)
    assert archive.read_bytes() == first
    assert sorted(zipfile.ZipFile(archive).namelist()) == sorted(remote.ENTRY_FILES)


def _no_entry(site, entry):
    index = _index(site)
    del index["entries"][entry]
    (site / remote.INDEX_FILE).write_text(json.dumps(index))


def _tampered(site, entry):
    archive = site / f"{entry}.zip"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


def _truncated(site, entry):
    archive = site / f"{entry}.zip"
    archive.write_bytes(archive.read_bytes()[:100])
    _rewrite_index(site, entry, archive)


def _another_key(site, entry):
    """The archive of another recipe (other parameters) served under this entry's name, hash and all."""
    other = cache.entry_dir(tiny_recipe(units=5))
    cache.load_or_train(tiny_recipe(units=5))
    remote.pack([other], site / "other")
    archive = site / f"{entry}.zip"
    archive.write_bytes((site / "other" / f"{other.name}.zip").read_bytes())
    _rewrite_index(site, entry, archive)


def _escaping_member(site, entry):
    archive = site / f"{entry}.zip"
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr("../../escaped.txt", "outside")
    _rewrite_index(site, entry, archive)


def _not_json_index(site, entry):
    (site / remote.INDEX_FILE).write_text("<html>not found</html>")


@pytest.mark.parametrize("damage, reason", [
    (_no_entry, "has no entry"),
    (_tampered, "SHA256"),
    (_truncated, "not a readable zip"),
    (_another_key, "another key"),
    (_escaping_member, "not exactly the files"),
    (_not_json_index, "not a model index"),
])
def test_a_bad_published_entry_falls_back_to_training_with_one_line_saying_why(
        tmp_path, monkeypatch, caplog, damage, reason):
    _, site = _published(tmp_path, monkeypatch, tiny_recipe())
    entry = cache.entry_dir(tiny_recipe()).name
    if damage is _another_key:  # its second recipe is trained by the publisher, before the reader's cache
        monkeypatch.setenv(settings.CACHE_DIR_VARIABLE, str(tmp_path / "publisher"))
        damage(site, entry)
        monkeypatch.setenv(settings.CACHE_DIR_VARIABLE, str(tmp_path / "reader"))
        CALLS["train"] = 0
    else:
        damage(site, entry)
    with serving(site) as base, caplog.at_level(logging.INFO, logger="ganbook.cache"):
        monkeypatch.setenv(settings.MODELS_URL_VARIABLE, base)
        result = cache.load_or_train(tiny_recipe())
    assert result.source == cache.TRAINED and CALLS["train"] == 1
    notes = [record.getMessage() for record in caplog.records if "not downloaded" in record.getMessage()]
    assert len(notes) == 1 and reason in notes[0] and "training it" in notes[0], notes
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "reader" / "escaped.txt").exists()
    assert cache.load_or_train(tiny_recipe()).source == cache.FROM_CACHE, "the trained model is cached"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_falls_back_to_training(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(settings.MODELS_URL_VARIABLE, f"http://127.0.0.1:{_free_port()}/models")
    with caplog.at_level(logging.INFO, logger="ganbook.cache"):
        result = cache.load_or_train(tiny_recipe())
    assert result.source == cache.TRAINED and CALLS["train"] == 1
    assert any("not downloaded" in record.getMessage() and "Connection refused" in record.getMessage()
               for record in caplog.records)


@contextlib.contextmanager
def misbehaving_server(drip_seconds: float | None):
    """A loopback server that accepts every connection and then sends, with ``drip_seconds``, an HTTP
    reply one byte at a time for ever; with None, nothing at all. Yields its address and a list of
    the connections it accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def talk(connection):
        with connection:
            if drip_seconds is None:
                stop.wait()
                return
            reply = b"HTTP/1.0 200 OK\r\nContent-Length: 100000000\r\n\r\n"
            with contextlib.suppress(OSError):
                connection.sendall(reply)
                while not stop.wait(drip_seconds):
                    connection.sendall(b"x")

    def serve():
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connection, _ = listener.accept()
                accepted.append(connection)
                threading.Thread(target=talk, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/models/", accepted
    finally:
        stop.set()
        listener.close()


@pytest.mark.parametrize("drip_seconds", [0.2, None], ids=["drips-a-byte", "never-answers"])
def test_a_slow_server_is_given_up_at_the_deadline_and_then_skipped(tmp_path, monkeypatch, caplog, drip_seconds):
    monkeypatch.setattr(remote, "TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(remote, "INDEX_BYTES", 100_000)  # with MIN_BYTES_PER_SECOND: a 2 s deadline
    with misbehaving_server(drip_seconds) as (base, accepted), caplog.at_level(logging.DEBUG, logger="ganbook.cache"):
        monkeypatch.setenv(settings.MODELS_URL_VARIABLE, base)
        start = time.monotonic()
        first = cache.load_or_train(tiny_recipe())
        first_seconds = time.monotonic() - start
        second = cache.load_or_train(tiny_recipe(units=5))  # another model: the server is not asked
    assert first.source == second.source == cache.TRAINED and CALLS["train"] == 2
    assert first_seconds < 2.0 + 1.0 + 10, f"the deadline was not kept: {first_seconds:.1f} s"
    assert len(accepted) == 1, "the server was asked again after it failed"
    notes = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "not downloaded" in r.getMessage()]
    assert len(notes) == 1 and "not asking" in notes[0] and "for 15 minutes" in notes[0], notes
    wanted = "did not arrive within 2 s" if drip_seconds else "timed out"
    assert wanted in notes[0], notes[0]


def test_a_server_that_failed_is_skipped_by_the_builds_other_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(remote, "TIMEOUT_SECONDS", 0.5)
    with misbehaving_server(None) as (base, accepted):
        with pytest.raises(remote.FetchError, match="not asking"):
            remote.fetch("tiny-0", tmp_path / "a", base)
        other = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from ganbook import remote\n"
                                "try:\n    remote.fetch('tiny-1', Path(sys.argv[1]), sys.argv[2])\n"
                                "except remote.ServerSkipped as error:\n    print('SKIPPED', error)\n",
                                str(tmp_path / "b"), base], capture_output=True, text=True, timeout=60)
        assert "SKIPPED" in other.stdout and "failed less than 15 minutes ago" in other.stdout, other
        assert len(accepted) == 1
    monkeypatch.setattr(remote, "SKIP_SECONDS", 0)  # once the time is up, it is asked again
    assert remote.skip_reason(base) is None


def test_off_means_no_download_is_tried(monkeypatch):
    monkeypatch.setenv(settings.MODELS_URL_VARIABLE, "off")
    monkeypatch.setattr(remote, "fetch", lambda *args: pytest.fail("fetched although off"))
    assert remote.models_url() is None
    assert cache.load_or_train(tiny_recipe()).source == cache.TRAINED


def test_the_default_address_is_the_published_sites_models_folder(tmp_path, monkeypatch):
    for name in (settings.MODELS_URL_VARIABLE, "GANBOOK_REPOSITORY_URL", "GANBOOK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert remote.models_url(tmp_path) is None, "no clone, no address: nothing is made up"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:Owner/ganbook.git"],
                   check=True)
    assert remote.models_url(tmp_path) == "https://owner.github.io/ganbook/models/"
    monkeypatch.setenv("GANBOOK_BASE_URL", "https://books.example.org/gans")
    assert remote.models_url(tmp_path) == "https://books.example.org/gans/models/"
    monkeypatch.setenv(settings.MODELS_URL_VARIABLE, "http://127.0.0.1:8000/m")
    assert remote.models_url(tmp_path) == "http://127.0.0.1:8000/m/"


def test_unpack_refuses_links(tmp_path):
    from tests.test_atomic import archive_with_a_link

    archive = archive_with_a_link(tmp_path / "entry.zip", "model.weights.h5", others=["record.json"])
    (tmp_path / "out").mkdir()
    with pytest.raises(remote.FetchError, match="link"):
        remote.unpack(archive, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_zoo_get_downloads_a_published_recipe_and_says_so(tmp_path, monkeypatch, real_data, capsys):
    short = {"steps": 20, "eval_every": 10}
    recipe = zoo.recipe("softmax-regression", **short)
    monkeypatch.setenv(settings.TRAINING_PROCESS_VARIABLE, "1")  # the publisher trains in this process
    _published(tmp_path, monkeypatch, recipe)
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE)
    monkeypatch.setattr(zoo, "train_in_trainer", lambda *args: pytest.fail("a trainer process was started"))
    with serving(tmp_path / "site" / "models") as base:
        monkeypatch.setenv(settings.MODELS_URL_VARIABLE, base)
        fetched = zoo.get("softmax-regression", **short)
    assert fetched.source == cache.DOWNLOADED and fetched.history["test_error"]


def test_zoo_get_prints_why_it_trains_when_the_server_lacks_the_model(tmp_path, monkeypatch, real_data, capsys):
    short = {"steps": 20, "eval_every": 10}
    (tmp_path / "empty").mkdir()
    remote.pack([], tmp_path / "empty")
    calls = []
    monkeypatch.delenv(settings.TRAINING_PROCESS_VARIABLE, raising=False)
    monkeypatch.setattr(zoo, "train_in_trainer", lambda *args: calls.append(args) or cache.TRAINED)
    monkeypatch.setattr(zoo, "load_or_train", lambda made: cache.train_fresh(made))
    with serving(tmp_path / "empty") as base:
        monkeypatch.setenv(settings.MODELS_URL_VARIABLE, base)
        result = zoo.get("softmax-regression", **short)
    assert result.source == cache.TRAINED and len(calls) == 1
    printed = capsys.readouterr()
    assert "softmax-regression: not downloaded" in printed.out and "has no entry" in printed.out
    assert printed.err == ""


def test_pack_takes_the_current_entries_variants_included_and_leaves_out_stale_ones():
    cache.load_or_train(tiny_recipe())
    cache.load_or_train(tiny_recipe(units=5))  # a variant, as a chapter may train
    current = cache.current_entries({"tiny": tiny_recipe()})
    assert current == sorted([cache.entry_dir(tiny_recipe()), cache.entry_dir(tiny_recipe(units=5))])
    changed = dataclasses.replace(tiny_recipe(), data="toy-v2")  # its data changed since: another key
    assert cache.current_entries({"tiny": changed}) == []
    assert cache.current_entries({}) == [], "an entry of a recipe the book no longer has"


def test_the_publish_command_packs_the_registrys_current_entries_into_the_folder(tmp_path, monkeypatch, capsys):
    from ganbook import publish, zoo

    cache.load_or_train(tiny_recipe())
    monkeypatch.setattr(zoo, "names", lambda: ["tiny"])
    monkeypatch.setattr(zoo, "recipe", lambda name: tiny_recipe())
    assert publish.main([str(tmp_path / "models"), "--build", str(tmp_path / "_build")]) == 0
    entry = cache.entry_dir(tiny_recipe()).name
    assert list(_index(tmp_path / "models")["entries"]) == [entry]
    assert "packed 1 model(s)" in capsys.readouterr().out

