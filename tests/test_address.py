"""ganbook.address: the book's repository and published site come from the clone, never from a guess."""

from __future__ import annotations

import subprocess

import pytest

from ganbook import address


@pytest.mark.parametrize("remote, url", [
    ("https://github.com/owner/ganbook.git", "https://github.com/owner/ganbook"),
    ("https://github.com/owner/ganbook", "https://github.com/owner/ganbook"),
    ("https://token@gitlab.com/group/sub/ganbook.git/\n", "https://gitlab.com/group/sub/ganbook"),
    ("git@github.com:owner/ganbook.git", "https://github.com/owner/ganbook"),
    ("ssh://git@github.com/owner/ganbook.git", "https://github.com/owner/ganbook"),
])
def test_web_remotes_become_https_addresses(remote, url):
    assert address.web_url(remote) == url


@pytest.mark.parametrize("remote", ["/work/main", "../ganbook", "file:///srv/git/ganbook.git", "", "https://host"])
def test_local_or_odd_remotes_give_no_link(remote):
    assert address.web_url(remote) is None


def test_environment_variable_wins_and_bad_values_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("GANBOOK_REPOSITORY_URL", "git@example.org:me/book.git")
    assert address.repository_url(str(tmp_path)) == "https://example.org/me/book"
    monkeypatch.setenv("GANBOOK_REPOSITORY_URL", "not a url")
    with pytest.raises(ValueError, match="GANBOOK_REPOSITORY_URL"):
        address.repository_url(str(tmp_path))


def test_origin_remote_of_a_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("GANBOOK_REPOSITORY_URL", raising=False)
    assert address.repository_url(str(tmp_path)) is None  # not a git clone
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert address.repository_url(str(tmp_path)) is None  # no origin
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "https://github.com/o/ganbook.git"], check=True)
    assert address.repository_url(str(tmp_path)) == "https://github.com/o/ganbook"


@pytest.mark.parametrize("repository, site", [
    ("https://github.com/owner/ganbook", "https://owner.github.io/ganbook/"),
    ("https://github.com/Owner/owner.github.io", "https://owner.github.io/"),
    ("https://gitlab.com/group/ganbook", None),
])
def test_github_repositories_are_published_on_their_pages_address(repository, site):
    assert address.pages_url(repository) == site


def test_the_site_address_is_the_setting_else_the_repositorys_pages_else_none(monkeypatch, tmp_path):
    monkeypatch.delenv("GANBOOK_BASE_URL", raising=False)
    monkeypatch.delenv("GANBOOK_REPOSITORY_URL", raising=False)
    assert address.site_url(tmp_path) is None
    monkeypatch.setenv("GANBOOK_REPOSITORY_URL", "https://github.com/o/ganbook")
    assert address.site_url(tmp_path) == "https://o.github.io/ganbook/"
    monkeypatch.setenv("GANBOOK_BASE_URL", "https://example.org/book")
    assert address.site_url(tmp_path) == "https://example.org/book/"
    monkeypatch.setenv("GANBOOK_BASE_URL", "example.org/book")
    with pytest.raises(ValueError, match="GANBOOK_BASE_URL"):
        address.site_url(tmp_path)
