"""What the reproducibility appendix says about a build: the machine, the software, the chapters' order.

``describe`` names the commit the book was built from, the machine and the versions of the
software that computed the book's numbers; ``native_bfloat16`` says whether the CPU computes in
bfloat16 natively (a row of that table; the models compute in float32 everywhere); ``in_book_order``
sorts chapter labels (``chap-<file name>``) as the table of
contents lists the chapters. ``_toc.yml`` is read without a YAML library (the book's environment
need not have one) from the repository root, found from this package's own location or passed
explicitly, so nothing here depends on the working directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime
from importlib import metadata
from pathlib import Path

from ganbook.atomic import atomic_path

REPO = Path(__file__).resolve().parents[2]  # code/ganbook/machine.py -> the repository root
TOC_FILE = "_toc.yml"
NOT_INSTALLED = "not installed"
UNKNOWN = "unknown"

# A chapter entry of _toc.yml, e.g. "      - file: book/appetizer  # a comment" (the root page is "root:").
_CHAPTER_ENTRY = re.compile(r"""^\s*-\s+file:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$""")


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo, else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or UNKNOWN


# /proc/cpuinfo's names for the instructions that compute in bfloat16 (AVX-512 BF16; AMX tiles).
BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


def native_bfloat16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes in bfloat16 natively (Linux's /proc/cpuinfo flags; False where unknown).

    ``cpuinfo``: the text to read instead of /proc/cpuinfo (for tests).
    """
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as file:
                cpuinfo = file.read()
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return any(flag in line.split(":", 1)[-1].split() for flag in BFLOAT16_FLAGS)
    return False


def memory_gib() -> str:
    """The machine's physical memory, e.g. ``"23.4 GiB"`` (``"unknown"`` where the OS does not say)."""
    try:
        return f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows) or no such name
        return UNKNOWN


def version(distribution: str) -> str:
    """The installed version of a distribution (a pip package name), or ``"not installed"``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def tensorflow_version() -> str:
    """The version of ``tensorflow-cpu`` (the project's dependency), else of ``tensorflow`` (GPU build)."""
    cpu = version("tensorflow-cpu")
    return cpu if cpu != NOT_INSTALLED else version("tensorflow")


def describe() -> dict[str, str]:
    """The machine and software of this build, as ordered item -> value pairs for a two-column table."""
    return {
        "built from commit": source_commit(),
        "operating system": platform.platform(),
        "CPU": cpu_model(),
        "cores visible to Python": str(os.cpu_count()),
        "memory": memory_gib(),
        "Python": sys.version.split()[0],
        "TensorFlow": tensorflow_version(),
        "TensorFlow's oneDNN kernels (TF_ENABLE_ONEDNN_OPTS)": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"),
        "bfloat16 instructions in the CPU (AVX512_BF16, AMX_BF16)": "yes" if native_bfloat16() else "no",
        "Keras": version("keras"),
        "NumPy": version("numpy"),
        "Jupyter Book": version("jupyter-book"),
        "myst-nb": version("myst-nb"),
    }


def source_commit(root: Path | str | None = None) -> str:
    """The git commit the book is built from (12 hex digits), "+ local changes" when the tree differs
    from it, or "unknown" outside a git clone. ``root``: the clone (default: this package's repository)."""
    folder = str(root if root is not None else REPO)
    try:
        head = subprocess.run(["git", "-C", folder, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
        if head.returncode != 0:
            return UNKNOWN
        changed = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    return head.stdout.strip() + (" + local changes" if changed.stdout.strip() else "")


# Set for the chapters' kernels by _ext/ganbook_execution_order.py, which records the cells' times.
EXECUTED_VARIABLE = "GANBOOK_EXECUTED_NOTEBOOKS"
CELL_SECONDS_VARIABLE = "GANBOOK_CELL_SECONDS"


def source_key(source: str) -> str:
    """The key of a cell's recorded time: the SHA-256 of its source."""
    return hashlib.sha256(source.strip().encode()).hexdigest()


def execution_seconds(timing: dict) -> float | None:
    """Seconds between nbclient's ``iopub.execute_input`` and ``shell.execute_reply`` stamps, if both are there."""
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    return (_timestamp(end) - _timestamp(start)).total_seconds() if start and end else None


def record_cell_seconds(path: Path | str, seconds: dict[str, float]) -> None:
    """Merge ``{source key: seconds}`` into the JSON file ``path`` (written whole, then renamed)."""
    path = Path(path)
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    with atomic_path(path, suffix=".json") as staging:
        staging.write_text(json.dumps({**known, **seconds}, indent=0, sort_keys=True), encoding="utf-8")


def cell_seconds(chapter: str, containing: str, folder: Path | str | None = None,
                 seconds_file: Path | str | None = None) -> float:
    """How long the first code cell of ``chapter`` (``book/gan``) whose source contains ``containing``
    took when it last ran in this build folder.

    The cell is found in the executed notebook in ``folder`` (default: ``$GANBOOK_EXECUTED_NOTEBOOKS``),
    its time in ``seconds_file`` (default: ``$GANBOOK_CELL_SECONDS``). A cell that is not there (its
    code changed) or has no recorded time is an error naming the text, so a plan that quotes a time
    cannot point at a cell that no longer exists.
    """
    folder = folder if folder is not None else os.environ.get(EXECUTED_VARIABLE, "")
    seconds_file = seconds_file if seconds_file is not None else os.environ.get(CELL_SECONDS_VARIABLE, "")
    if not folder or not seconds_file:
        raise LookupError(f"{EXECUTED_VARIABLE} or {CELL_SECONDS_VARIABLE} is not set: run this inside the book's "
                          "build")
    path = Path(folder) / f"{chapter}.ipynb"
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and containing in source:
            try:
                return float(json.loads(Path(seconds_file).read_text(encoding="utf-8"))[source_key(source)])
            except (OSError, ValueError, KeyError):
                raise LookupError(f"the cell of {chapter} with {containing!r} has no recorded time in "
                                  f"{seconds_file}") from None
    raise LookupError(f"no code cell of {chapter} contains {containing!r} ({path})")


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def toc_chapters(root: Path | str | None = None) -> list[str]:
    """The chapter files (``book/appetizer``, ...) in the order of ``_toc.yml``; the root page is not one.

    ``root`` is the folder holding ``_toc.yml``: by default the repository this package lives in.
    """
    path = Path(root if root is not None else REPO) / TOC_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no {TOC_FILE} at {path}: pass the book's folder "
                                f"(the one holding {TOC_FILE}) as root") from None
    return [match.group(1) for line in text.splitlines() if (match := _CHAPTER_ENTRY.match(line))]


def chapter_label(entry: str) -> str:
    """A chapter's page label, ``chap-<file name>`` (the book's convention), from its ``_toc.yml`` entry."""
    return "chap-" + entry.rsplit("/", 1)[-1]


def in_declared_order(names: Iterable[str], declared: Iterable[str]) -> list[str]:
    """``names`` in the order ``declared`` lists them (a name's first place there), the others last,
    alphabetically: chapters as the table of contents has them, models as pre-training wants them."""
    rank: dict[str, int] = {}
    for index, name in enumerate(declared):
        rank.setdefault(name, index)
    return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))


def in_book_order(labels: Iterable[str], root: Path | str | None = None) -> list[str]:
    """``labels`` sorted as the table of contents orders the chapters; other labels last, alphabetically."""
    return in_declared_order(labels, [chapter_label(entry) for entry in toc_chapters(root)])
