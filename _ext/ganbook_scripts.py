"""Each page's scripts once.

Jupyter Book 1.x sets up sphinx-thebe and sphinx-togglebutton twice, so every page carried their
inline settings twice, and the second ``const THEBE_JS_URL = ...`` threw "Identifier
'THEBE_JS_URL' has already been declared" in every reader's console. This drops repeated
``<script>`` entries (the same file or the same inline body, with the same attributes) before the
page is written. ``tests/test_built_book.py`` fails on any uncaught error in a page.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    """A script's file (None and "" alike: an inline one) and attributes, its body among them."""
    if not hasattr(script, "attributes"):
        return (str(script), ())
    return (getattr(script, "filename", None) or "",
            tuple(sorted((name, str(value)) for name, value in (script.attributes or {}).items())))


def _scripts_once(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _scripts_once, priority=900)  # after every extension added its own
    return {"parallel_read_safe": True, "parallel_write_safe": True}
