"""scripts/build-book.sh and scripts/python-env.sh, run for real around stand-ins for the slow steps.

A copy of the scripts runs in a folder of its own, in an "active virtual environment" whose
``python`` passes every call to this test's interpreter except the installs and the pre-training,
and whose ``jupyter-book`` writes a page and exits as each test asks. So the tests check what the
script itself does: fail after a page with stderr, never turn green on a rerun that reads nothing
again, stop every child on SIGTERM, reject a bad GANBOOK_TRAIN_JOBS first, and pass absolute folders.
Also: every legend in the book and the package has an explicit location.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import built_pages  # noqa: E402

pytestmark = pytest.mark.slow

FAKE_PYTHON = """#!/usr/bin/env bash
case "$*" in
  "-m pip install"*) echo "pip install $*" >> "$LOG"; exit 0 ;;
  "-m ganbook.pretrain") echo "pretrain $$ GANBOOK_CACHE_DIR=$GANBOOK_CACHE_DIR" >> "$LOG"; sleep "${PRETRAIN_SECONDS:-0}"; exit 0 ;;
esac
exec "$REAL_PYTHON" "$@"
"""

# Writes a page (with a stderr block when PAGE_STDERR=1), notes whether Sphinx's saved environment
# was there, waits BOOK_SECONDS and exits with BOOK_STATUS.
FAKE_JUPYTER_BOOK = """#!/usr/bin/env bash
echo "jupyter-book $$ $* doctrees=$([ -d _build/.doctrees ] && echo kept || echo fresh)" >> "$LOG"
mkdir -p _build/html _build/.doctrees
if [ "${PAGE_STDERR:-0}" = "1" ]; then
  echo '<div class="cell_output docutils container"><div class="output stderr">noise</div></div>' > _build/html/intro.html
else
  echo '<p>fine</p>' > _build/html/intro.html
fi
sleep "${BOOK_SECONDS:-0}"
exit "${BOOK_STATUS:-0}"
"""


@pytest.fixture
def project(tmp_path):
    """A copy of the scripts and the package's source, with a fake active environment."""
    root = tmp_path / "book"
    shutil.copytree(REPO / "scripts", root / "scripts")
    shutil.copytree(REPO / "code" / "ganbook", root / "code" / "ganbook")
    shutil.copy(REPO / "pyproject.toml", root)
    env_bin = tmp_path / "env" / "bin"
    env_bin.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON), ("jupyter-book", FAKE_JUPYTER_BOOK)):
        (env_bin / name).write_text(text)
        (env_bin / name).chmod(0o755)
    return root


def run_build(project: Path, wait: bool = True, **variables: str):
    env = {"HOME": str(project.parent), "PATH": "/usr/bin:/bin", "VIRTUAL_ENV": str(project.parent / "env"),
           "REAL_PYTHON": sys.executable, "LOG": str(project / "log"), "GANBOOK_SKIP_PDF": "1", **variables}
    process = subprocess.Popen(["bash", "scripts/build-book.sh"], cwd=project, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not wait:
        return process
    output, _ = process.communicate(timeout=120)
    return process.returncode, output


def log_lines(project: Path, prefix: str) -> list[str]:
    path = project / "log"
    return [line for line in path.read_text().splitlines() if line.startswith(prefix)] if path.exists() else []


def test_a_clean_build_passes_and_a_second_run_skips_the_install(project):
    status, output = run_build(project)
    assert status == 0, output
    assert (project / "_build" / ".ganbook-last-build").read_text().strip() == "ok"
    status, output = run_build(project)
    assert status == 0, output
    assert len(log_lines(project, "pip install")) == 1, "nothing changed: the second run must not run pip"
    assert log_lines(project, "jupyter-book")[-1].endswith("doctrees=kept")


def test_a_page_with_stderr_fails_the_build_even_when_jupyter_book_succeeds(project):
    status, output = run_build(project, PAGE_STDERR="1")
    assert status != 0
    assert "built page intro.html shows error output: output stderr" in output


def test_a_failed_build_is_not_green_on_a_rerun_that_reads_nothing_again(project):
    status, _ = run_build(project, BOOK_STATUS="1")
    assert status != 0
    assert (project / "_build" / ".ganbook-last-build").read_text().strip() != "ok"
    status, output = run_build(project)
    assert status == 0, output
    assert "the last build did not finish cleanly" in output
    assert log_lines(project, "jupyter-book")[-1].endswith("doctrees=fresh"), \
        "after a failure Sphinx must start from a fresh environment, reading every page again"


def test_sigterm_stops_the_book_build_and_the_pretraining(project):
    process = run_build(project, wait=False, BOOK_SECONDS="60", PRETRAIN_SECONDS="60")
    deadline = time.monotonic() + 30
    while len(log_lines(project, "jupyter-book")) < 1 or len(log_lines(project, "pretrain")) < 1:
        assert time.monotonic() < deadline, "the build did not start its children"
        time.sleep(0.1)
    children = [int(log_lines(project, prefix)[0].split()[1]) for prefix in ("jupyter-book", "pretrain")]
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 143
    time.sleep(0.5)
    alive = [pid for pid in children if _alive(pid)]
    assert not alive, f"processes {alive} outlived the build script"


def test_a_bad_number_of_training_processes_stops_the_build_before_it_starts(project):
    status, output = run_build(project, GANBOOK_TRAIN_JOBS="1000")
    assert status != 0 and "GANBOOK_TRAIN_JOBS" in output
    assert log_lines(project, "jupyter-book") == [] and log_lines(project, "pretrain") == []


def test_relative_cache_and_data_folders_are_made_absolute_once(project):
    status, output = run_build(project, GANBOOK_CACHE_DIR="my-cache")
    assert status == 0, output
    assert log_lines(project, "pretrain")[0].endswith(f"GANBOOK_CACHE_DIR={project}/my-cache")


def test_a_quoted_tilde_in_the_cache_folder_means_the_home_folder(project):
    status, output = run_build(project, GANBOOK_CACHE_DIR="~/my-cache")
    assert status == 0, output
    assert log_lines(project, "pretrain")[0].endswith(f"GANBOOK_CACHE_DIR={project.parent}/my-cache")
    assert not any(path.name == "~" for path in project.rglob("~")), "a folder literally named ~"


def test_an_unsupported_active_environment_is_named(project, tmp_path):
    python = tmp_path / "env" / "bin" / "python"
    python.write_text("#!/usr/bin/env bash\necho 'Python 3.9.0'\nexit 1\n")
    status, output = run_build(project)
    assert status != 0 and "The active environment" in output and "Deactivate it" in output


def test_check_finds_error_output_and_forget_failed_drops_those_executions(tmp_path):
    html = tmp_path / "html"
    html.mkdir()
    (html / "ok.html").write_text("<p>fine</p>")
    (html / "bad.html").write_text('<div class="output stderr">warning</div>')
    assert built_pages.page_problems(html) == {"bad.html": ["output stderr"]}
    jupyter_cache = pytest.importorskip("jupyter_cache")
    nbformat = pytest.importorskip("nbformat")
    cache = jupyter_cache.get_cache(tmp_path / ".jupyter_cache")
    for name, stream in (("clean", "stdout"), ("noisy", "stderr")):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            f"print({name!r})", outputs=[nbformat.v4.new_output("stream", name=stream, text=name)])])
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(notebook, path)
        cache.cache_notebook_file(path, check_validity=False)
    assert [Path(uri).name for uri in built_pages.forget_failed(tmp_path)] == ["noisy.ipynb"]
    assert [Path(record.uri).name for record in cache.list_cache_records()] == ["clean.ipynb"]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


LEGEND_CALL = re.compile(r"\.legend\(")


def _call_arguments(text: str, start: int) -> str:
    """The text between the parenthesis at ``start`` and the one that closes it."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i]
    return text[start + 1 :]


def test_every_legend_names_its_location():
    # matplotlib warns that loc="best" "can be slow" when a defaulted placement takes over a second:
    # on a busy machine that stderr line failed the -W build. An explicit loc (even "best") never warns.
    files = sorted((REPO / "book").glob("*.md")) + sorted((REPO / "code" / "ganbook").rglob("*.py"))
    loose = []
    for path in files:
        text = path.read_text()
        for match in LEGEND_CALL.finditer(text):
            if "loc=" not in _call_arguments(text, match.end() - 1):
                loose.append(f"{path.relative_to(REPO)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert not loose, f"legend() without loc= (fails the -W build under load): {loose}"


def run_python_env(project: Path, fake_bin: Path, **variables: str) -> tuple[int, str]:
    """source scripts/python-env.sh; ganbook_env test -- with no active environment."""
    env = {"HOME": str(project.parent), "PATH": f"{fake_bin}:/usr/bin:/bin", "REAL_PYTHON": sys.executable,
           "LOG": str(project / "log"), "GANBOOK_VENV_DIR": str(project / ".venv"), **variables}
    done = subprocess.run(["bash", "-c", "set -euo pipefail; source scripts/python-env.sh; ganbook_env test"],
                          cwd=project, env=env, text=True, capture_output=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def _fake(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("#!/usr/bin/env bash\n" + text)
    (folder / name).chmod(0o755)


def test_no_supported_python_names_the_versions_found(project, tmp_path):
    fake_bin = tmp_path / "fake-bin"
    _fake(fake_bin, "python3", 'if [ "$1" = "-c" ]; then echo 3.9.18; fi; exit 1\n')
    status, output = run_python_env(project, fake_bin, GANBOOK_PYTHON="python3")
    assert status != 0
    assert "ganbook needs Python >=3.11,<3.14; found: python3" in output and "3.9.18" in output


def test_a_python_without_venv_gets_the_command_to_install_it(project, tmp_path):
    fake_bin = tmp_path / "fake-bin"
    # a Debian Python without python3-venv: everything works but "-m venv"
    _fake(fake_bin, "python3", 'if [ "$1 $2" = "-m venv" ]; then echo "ensurepip is not available" >&2; exit 1; fi\n'
                               'exec "$REAL_PYTHON" "$@"\n')
    # as root the script tries to install the package first: here the install fails
    _fake(fake_bin, "apt-get", 'echo "apt-get $*" >> "$LOG"; [ "$1" = update ] && exit 0; exit 100\n')
    status, output = run_python_env(project, fake_bin, GANBOOK_PYTHON="python3")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert status != 0
    assert f"sudo apt-get install python{version}-venv" in output
    assert not (project / ".venv").exists(), "a half-made environment must not stay behind"
    if os.geteuid() == 0:
        assert any(f"install -y -qq python{version}-venv" in line for line in log_lines(project, "apt-get"))


def test_an_intel_mac_is_told_at_once_that_tensorflow_has_no_build_for_it(project, tmp_path):
    fake_bin = tmp_path / "fake-bin"
    # a supported Python that reports macOS on x86-64; anything else it is asked goes to the real one
    _fake(fake_bin, "python3", 'case "$*" in *platform.machine*) echo darwin/x86_64; exit 0 ;; esac\n'
                               'exec "$REAL_PYTHON" "$@"\n')
    status, output = run_python_env(project, fake_bin, GANBOOK_PYTHON="python3")
    assert status != 0
    assert "ganbook needs tensorflow==2.21.*" in output and "(darwin/x86_64)" in output
    assert "Linux container" in output and "Rosetta" in output
    assert not (project / ".venv").exists() and "pip install" not in output


def test_windows_outside_wsl_is_pointed_to_wsl_and_to_the_plain_build(project, tmp_path):
    fake_bin = tmp_path / "fake-bin"
    _fake(fake_bin, "uname", 'echo MINGW64_NT-10.0-19045\n')  # Git for Windows' bash
    status, output = run_python_env(project, fake_bin)
    assert status != 0
    assert "WSL 2" in output and "jupyter-book build ." in output and 'README, "On Windows"' in output


SCRIPTS = sorted((REPO / "scripts").glob("*.sh")) + [REPO / ".ci" / "run"]
# What macOS's bash 3.2 and BSD tools lack (the README's commands must run on a Mac as they are).
NOT_ON_A_MAC = {
    "associative array (bash 4)": r"\b(declare|local|typeset)\s+-\w*A",
    "name reference (bash 4.3)": r"\b(declare|local|typeset)\s+-\w*n\b",
    "case conversion ${x,,} / ${x^^} (bash 4)": r"\$\{[#!]?\w+(\[[^]]*\])?(,|\^)",
    "${x@Q} transformation (bash 4.4)": r"\$\{\w+@\w\}",
    "mapfile / readarray (bash 4)": r"\b(mapfile|readarray)\b",
    "wait -n (bash 4.3)": r"\bwait\s+-n\b",
    "coproc (bash 4)": r"\bcoproc\b",
    "|& and &>> (bash 4)": r"\|&|&>>",
    ";;& and ;& in case (bash 4)": r";;&|[^;];&",
    "$EPOCHSECONDS / $EPOCHREALTIME (bash 5)": r"EPOCH(SECONDS|REALTIME)",
    "sed -i (GNU and BSD differ)": r"\bsed\s+(-\w+\s+)*-i",
    "stat -c (GNU only)": r"\bstat\s+-c",
    "readlink -f (GNU only before macOS 12.3)": r"\breadlink\s+-f",
    "date +%N (GNU only)": r"\bdate\b[^\n]*%N",
    "timeout (GNU coreutils)": r"(^|[;&|(]\s*|\s)timeout\s",
    "grep -P (GNU only)": r"\bgrep\s+(-\w+\s+)*-\w*P",
    "sort -V (GNU only)": r"\bsort\s+(-\w+\s+)*-\w*V",
    "xargs -r (GNU only)": r"\bxargs\s+(-\w+\s+)*-\w*r",
    "find -printf (GNU only)": r"\bfind\b[^\n]*-printf",
    "sha256sum (not on macOS)": r"\bsha256sum\b",
}


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The script's lines without comments (a line's own ``# ...`` tail included), numbered."""
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = re.sub(r"(^|\s)#.*$", "", line)
        if code.strip():
            lines.append((number, code))
    return lines


def test_the_scripts_use_nothing_that_macos_bash_3_2_or_bsd_tools_lack():
    found = []
    for path in SCRIPTS:
        for number, line in _code_lines(path):
            found += [f"{path.relative_to(REPO)}:{number}: {what}: {line.strip()}"
                      for what, pattern in NOT_ON_A_MAC.items() if re.search(pattern, line)]
            if re.search(r"\bnproc\b", line) and not re.search(r"getconf|sysctl|\|\|", line):
                found.append(f"{path.relative_to(REPO)}:{number}: nproc without a fallback: {line.strip()}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("line", ['declare -A seen', 'echo "${name,,}"', "mapfile -t lines < f",
                                  "wait -n", "sed -i 's/a/b/' f", "stat -c %s f", "readlink -f .",
                                  "date +%s%N", "timeout 5 sleep 9", "n=$(nproc)", "x |& y"])
def test_the_construct_check_catches(tmp_path, line):
    script = tmp_path / "probe.sh"
    script.write_text(f"#!/usr/bin/env bash\n{line}  # a comment does not hide it\n# nproc in a comment is fine\n")
    caught = [what for _, code in _code_lines(script) for what, pattern in NOT_ON_A_MAC.items()
              if re.search(pattern, code)]
    caught += ["nproc"] * any(re.search(r"\bnproc\b", code) for _, code in _code_lines(script))
    assert caught, line


def test_shellcheck_passes_on_the_scripts():
    if shutil.which("shellcheck") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run shellcheck (.ci/run installs Debian's shellcheck)")
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    run = subprocess.run(["shellcheck", "--shell=bash", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
