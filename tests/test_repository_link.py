"""The HTML book's repository button: its address comes from the clone, never from a guess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import ganbook_repository  # noqa: E402


@pytest.mark.parametrize("remote, url", [
    ("https://github.com/owner/ganbook.git", "https://github.com/owner/ganbook"),
    ("https://github.com/owner/ganbook", "https://github.com/owner/ganbook"),
    ("https://token@gitlab.com/group/sub/ganbook.git/\n", "https://gitlab.com/group/sub/ganbook"),
    ("git@github.com:owner/ganbook.git", "https://github.com/owner/ganbook"),
    ("ssh://git@github.com/owner/ganbook.git", "https://github.com/owner/ganbook"),
])
def test_web_remotes_become_https_addresses(remote, url):
    assert ganbook_repository.web_url(remote) == url


@pytest.mark.parametrize("remote", ["/work/main", "../ganbook", "file:///srv/git/ganbook.git", "", "https://host"])
def test_local_or_odd_remotes_give_no_link(remote):
    assert ganbook_repository.web_url(remote) is None


def test_environment_variable_wins_and_bad_values_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("GANBOOK_REPOSITORY_URL", "git@example.org:me/book.git")
    assert ganbook_repository.repository_url(str(tmp_path)) == "https://example.org/me/book"
    monkeypatch.setenv("GANBOOK_REPOSITORY_URL", "not a url")
    with pytest.raises(ValueError, match="GANBOOK_REPOSITORY_URL"):
        ganbook_repository.repository_url(str(tmp_path))


def test_origin_remote_of_a_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("GANBOOK_REPOSITORY_URL", raising=False)
    assert ganbook_repository.repository_url(str(tmp_path)) is None  # not a git clone
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert ganbook_repository.repository_url(str(tmp_path)) is None  # no origin
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "https://github.com/o/ganbook.git"], check=True)
    assert ganbook_repository.repository_url(str(tmp_path)) == "https://github.com/o/ganbook"
