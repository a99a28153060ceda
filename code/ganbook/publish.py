"""``python -m ganbook.publish FOLDER``: pack the cache's current entries for the published site.

The book's publishing workflow runs it after the build: every whole entry of the local cache that
the current code would make (the registry's recipes and the variants the chapters trained), and
every chapter the build executed under its current key (``ganbook.rebuild.chapter_folders``), is
packed by ``ganbook.remote.pack`` into FOLDER, which the workflow serves as the site's
``models/``. A command apart from ``remote`` so that the transport knows nothing of the registry:
``remote`` is imported by ``cache``, and the registry imports ``cache``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ganbook import cache, machine, rebuild, remote, zoo


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganbook.publish", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the archives and their index.json go")
    parser.add_argument("--build", type=Path, default=machine.REPO / "_build",
                        help="the book's _build folder, whose executed chapters are packed too")
    args = parser.parse_args(argv)
    entries = cache.current_entries({name: zoo.recipe(name) for name in zoo.names()})
    with tempfile.TemporaryDirectory(prefix="ganbook-publish-") as scratch:
        chapters = rebuild.chapter_folders(args.build, machine.REPO, Path(scratch))
        index = remote.pack(entries, args.folder, chapters)
    total = sum(item["bytes"] for item in index["entries"].values())
    print(f"packed {len(entries)} model(s) from {cache.models_dir()} and {len(chapters)} executed chapter(s) "
          f"from {args.build} into {args.folder} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
