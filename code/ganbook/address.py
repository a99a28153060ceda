"""Where this book lives on the web, when that is known: its repository and its published site.

The source has no fixed home written into it. The repository is ``GANBOOK_REPOSITORY_URL`` if set,
otherwise the clone's ``origin`` remote when that is a web-hosted repository
(``https://host/owner/name`` or ``git@host:owner/name.git``). The published site is
``GANBOOK_BASE_URL`` if set, otherwise the GitHub Pages address of a GitHub repository
(``https://owner.github.io/name/``, where ``.github/workflows/book.yml`` publishes it). A clone
of a local path, or a folder that is not a git clone, has neither: nothing is made up.

Used by the book's Sphinx extensions (repository and launch buttons, canonical links, the
sitemap) and by ``ganbook.remote`` (the published models): stdlib only.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPOSITORY_VARIABLE = "GANBOOK_REPOSITORY_URL"
BASE_URL_VARIABLE = "GANBOOK_BASE_URL"
GIT_TIMEOUT_SECONDS = 10

_SSH = re.compile(r"^(?:ssh://)?git@(?P<host>[^:/]+)[:/](?P<path>.+?)(?:\.git)?/?$")
_HTTPS = re.compile(r"^https://(?:[^@/]+@)?(?P<host>[^/]+)/(?P<path>.+?)(?:\.git)?/?$")
_SITE = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def web_url(remote: str) -> str | None:
    """The https address of a git remote on a web host, or None for local paths and other schemes."""
    remote = remote.strip()
    for pattern in (_HTTPS, _SSH):
        match = pattern.match(remote)
        if match and "/" in match["path"]:
            return f"https://{match['host']}/{match['path']}"
    return None


def repository_url(folder: str | Path) -> str | None:
    """``GANBOOK_REPOSITORY_URL``, else the web address of the ``origin`` remote of ``folder``, else None."""
    configured = os.environ.get(REPOSITORY_VARIABLE, "").strip()
    if configured:
        url = web_url(configured)
        if url is None:
            raise ValueError(f"{REPOSITORY_VARIABLE}={configured!r} is not an https or git@ address of a "
                             "repository; set it to e.g. https://github.com/owner/ganbook or unset it")
        return url
    try:
        remote = subprocess.run(["git", "-C", str(folder), "remote", "get-url", "origin"], capture_output=True,
                                text=True, timeout=GIT_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return web_url(remote.stdout) if remote.returncode == 0 else None


def pages_url(repository: str) -> str | None:
    """The GitHub Pages address of a GitHub repository (with a final slash); None for other hosts."""
    match = re.match(r"^https://github\.com/(?P<owner>[^/]+)/(?P<name>[^/]+)$", repository)
    if match is None:
        return None
    owner, name = match["owner"], match["name"]
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def site_url(folder: str | Path) -> str | None:
    """The published book's address, ending in a slash: ``GANBOOK_BASE_URL``, else the repository's Pages."""
    configured = os.environ.get(BASE_URL_VARIABLE, "").strip()
    if configured:
        if not _SITE.match(configured):
            raise ValueError(f"{BASE_URL_VARIABLE}={configured!r} is not an http(s) address; set it to the "
                             "published book's address, e.g. https://owner.github.io/ganbook/, or unset it")
        return configured.rstrip("/") + "/"
    repository = repository_url(folder)
    return pages_url(repository) if repository else None
