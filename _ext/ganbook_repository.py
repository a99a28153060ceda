"""The "repository" button of the HTML book, pointing at wherever this clone was published.

The book's source has no fixed home written into it: the URL comes from ``GANBOOK_REPOSITORY_URL``
if set, otherwise from the clone's ``origin`` remote when that is a web-hosted repository
(``https://host/owner/name`` or ``git@host:owner/name.git``). A clone of a local path, or a
folder that is not a git clone, gets no button rather than a made-up link.
"""

from __future__ import annotations

import os
import re
import subprocess

_SSH = re.compile(r"^(?:ssh://)?git@(?P<host>[^:/]+)[:/](?P<path>.+?)(?:\.git)?/?$")
_HTTPS = re.compile(r"^https://(?:[^@/]+@)?(?P<host>[^/]+)/(?P<path>.+?)(?:\.git)?/?$")


def web_url(remote: str) -> str | None:
    """The https address of a git remote on a web host, or None for local paths and other schemes."""
    remote = remote.strip()
    for pattern in (_HTTPS, _SSH):
        match = pattern.match(remote)
        if match and "/" in match["path"]:
            return f"https://{match['host']}/{match['path']}"
    return None


def repository_url(source_dir: str) -> str | None:
    """``GANBOOK_REPOSITORY_URL``, else the web address of the ``origin`` remote, else None."""
    configured = os.environ.get("GANBOOK_REPOSITORY_URL", "").strip()
    if configured:
        url = web_url(configured)
        if url is None:
            raise ValueError(f"GANBOOK_REPOSITORY_URL={configured!r} is not an https or git@ address of a "
                             "repository; set it to e.g. https://github.com/owner/ganbook or unset it")
        return url
    try:
        remote = subprocess.run(["git", "-C", source_dir, "remote", "get-url", "origin"], capture_output=True,
                                text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return web_url(remote.stdout) if remote.returncode == 0 else None


def _add_repository_button(app, config):
    url = repository_url(app.srcdir)
    if url is None:
        return
    options = dict(config.html_theme_options or {})
    options.update(repository_url=url, use_repository_button=True, path_to_docs="")
    options.setdefault("repository_branch", "main")
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _add_repository_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
