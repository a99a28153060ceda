"""Publishing: the workflow, Binder's environment, and what the HTML offers when its address is known.

A small book built with the book's own extensions shows what the real build cannot show on a clone
without a web address: launch buttons, canonical links and the sitemap appear with an address and
are absent without one; the notebook download is there either way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "_ext"))
import ganbook_repository  # noqa: E402
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def _readme_commands() -> list[str]:
    """The commands in the README's "two commands" block."""
    block = re.search(r"## The two commands.*?```bash\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    return [line.split("#")[0].strip() for line in block[1].splitlines() if line.strip()]


def _steps(job: str) -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def test_the_workflow_is_valid_under_githubs_schema():
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                          str(WORKFLOW)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_workflow_runs_the_readmes_two_commands_themselves():
    commands = _readme_commands()
    assert commands == ["bash scripts/build-book.sh", "bash scripts/test.sh"]
    runs = [step["run"].strip() for step in _steps("build") if "run" in step]
    for command in commands:
        assert command in runs, f"no workflow step runs {command!r} as it is"
    build, test = runs.index(commands[0]), runs.index(commands[1])
    pack = next(i for i, run in enumerate(runs) if "-m ganbook.publish _build/html/models" in run)
    assert build < test < pack, "build, then test, then pack the models of the tested build"


def test_the_workflow_deploys_the_built_html_to_pages_with_the_permissions_it_needs():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key "on" as True
    upload = next(step for step in _steps("build") if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in deploy["steps"])


def test_the_workflow_caches_the_model_cache_and_the_executed_chapters():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    cached = [step["with"]["path"] for step in _steps("build") if step.get("uses", "").startswith("actions/cache")]
    models = workflow["env"]["GANBOOK_CACHE_DIR"].replace("${{ github.workspace }}/", "") + "/models"
    assert models in cached
    assert any("_build/.jupyter_cache" in path for path in cached)


def _requirements(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def test_binder_installs_what_pyproject_pins_and_the_package():
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11 reads TOML; 3.10 has no tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["book"])
    binder = _requirements((REPO / "binder" / "requirements.txt").read_text())
    assert wanted <= binder, f"binder/requirements.txt lacks or pins differently: {sorted(wanted - binder)}"
    assert any(line.startswith("jupytext") for line in binder), "Binder needs jupytext to open .md chapters"
    python = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(11|12|13)", python), f"{python} is outside requires-python"
    assert "pip install --no-deps ." in (REPO / "binder" / "postBuild").read_text()


_PAGE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# A page

```{code-cell} ipython3
:tags: [remove-cell]
# install-ganbook: a marker the downloaded notebook replaces
```

```{code-cell} ipython3
print(6 * 7)
```
"""


def _mini_book(folder: Path, git: bool = False, **environment: str) -> str:
    """Build a one-chapter book with the book's address and download extensions; its page's HTML.
    ``git``: the folder is a git clone with one commit."""
    folder.mkdir()
    (folder / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    (folder / "book").mkdir()
    (folder / "book" / "page.md").write_text(_PAGE)
    (folder / "_config.yml").write_text(yaml.safe_dump({
        "title": "Mini", "execute": {"execute_notebooks": "force"}, "html": {"use_download_button": True},
        "sphinx": {"local_extensions": {"ganbook_repository": str(REPO / "_ext"),
                                        "ganbook_downloads": str(REPO / "_ext")}}}))
    if git:
        for command in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t",
                                                        "commit", "-q", "-m", "page"]):
            subprocess.run(["git", "-C", str(folder), *command], check=True, capture_output=True)
    env = {key: value for key, value in os.environ.items()
           if key not in ("GANBOOK_REPOSITORY_URL", "GANBOOK_BASE_URL", "GANBOOK_PDF_LINK")}
    run = subprocess.run([str(JUPYTER_BOOK), "build", str(folder), "-W", "-n", "-q"], capture_output=True,
                         text=True, env={**env, **environment}, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return (folder / "_build" / "html" / "book" / "page.html").read_text()


def test_with_an_address_chapters_have_launch_buttons_a_canonical_link_and_a_sitemap(tmp_path):
    html = _mini_book(tmp_path / "book", git=True, GANBOOK_REPOSITORY_URL="https://github.com/owner/ganbook",
                      GANBOOK_PDF_LINK="1")
    assert 'href="https://mybinder.org/v2/gh/owner/ganbook/main?urlpath=lab/tree/book/page.md"' in html
    assert 'href="https://colab.research.google.com/github/owner/ganbook/blob/notebooks/book/page.ipynb"' in html
    assert '<link rel="canonical" href="https://owner.github.io/ganbook/book/page.html"' in html
    sitemap = (tmp_path / "book" / "_build" / "html" / "sitemap.xml").read_text()
    assert "<loc>https://owner.github.io/ganbook/book/page.html</loc>" in sitemap
    assert 'href="../_sources/book/page.ipynb"' in html and 'href="../ganbook.pdf"' in html
    commit = subprocess.run(["git", "-C", str(tmp_path / "book"), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    first = _downloaded_cells(tmp_path / "book")[0]
    assert f"SOURCE = 'git+https://github.com/owner/ganbook@{commit}'" in first, first
    assert "SOURCE" not in html, "the install cell is removed from the page"


def _downloaded_cells(folder: Path) -> list[str]:
    notebook = json.loads((folder / "_build" / "html" / "_sources" / "book" / "page.ipynb").read_text())
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_without_an_address_nothing_points_to_a_made_up_one(tmp_path):
    html = _mini_book(tmp_path / "book")  # a folder that is no git clone, no address set
    for absent in ("mybinder.org", "colab.research.google.com", 'rel="canonical"', "ganbook.pdf"):
        assert absent not in html, f"{absent} on a page built without an address (or without a PDF)"
    assert not (tmp_path / "book" / "_build" / "html" / "sitemap.xml").exists()
    assert 'href="../_sources/book/page.ipynb"' in html, "the notebook download needs no address"
    assert "SOURCE = None" in _downloaded_cells(tmp_path / "book")[0], "no address: the cell installs nothing"


INSTALLED_REQUIREMENTS = [  # what importlib.metadata.requires("ganbook") gives for an installed ganbook
    "tensorflow-cpu==2.21.*; platform_machine == 'x86_64' or platform_machine == 'AMD64'",
    "tensorflow==2.21.*; platform_machine == 'arm64' or platform_machine == 'aarch64'",
    "keras==3.15.*", 'jupyter-book==1.0.4.post1; extra == "book"', 'pytest>=8; extra == "test"']


def _run_install_code(monkeypatch, installed: set[str], source: str | None = "git+https://h/o/b@c0ffee"):
    """Run the downloaded notebook's install cell with pip stood in for; the pip commands it ran."""
    import importlib.metadata
    import importlib.util
    from types import SimpleNamespace

    commands = []
    monkeypatch.setattr(subprocess, "run", lambda command, check: commands.append(command[5:]))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(importlib.metadata, "distributions",
                        lambda: [SimpleNamespace(metadata={"Name": name}) for name in installed])
    monkeypatch.setattr(importlib.metadata, "requires", lambda name: list(INSTALLED_REQUIREMENTS))
    exec(ganbook_repository.install_code(source), {})
    return commands


def test_the_install_cell_pins_the_commit_and_keeps_an_installed_tensorflow(monkeypatch):
    colab = _run_install_code(monkeypatch, installed={"TensorFlow", "numpy"})
    assert colab[0] == ["--no-deps", "ganbook @ git+https://h/o/b@c0ffee"]
    assert colab[1][0] == "tensorflow==2.21.*; platform_machine == 'x86_64' or platform_machine == 'AMD64'"
    assert not any(r.startswith("tensorflow-cpu") for r in colab[1]), "a second TensorFlow distribution"
    assert "keras==3.15.*" in colab[1] and 'pytest>=8; extra == "test"' in colab[1]
    assert "jupyter-book==1.0.4.post1" in colab[1], "the chapters import myst_nb: the book extra is installed"


def test_the_install_cell_installs_pyprojects_tensorflow_where_there_is_none(monkeypatch):
    fresh = _run_install_code(monkeypatch, installed={"numpy"})
    # pip evaluates the markers (one TensorFlow per platform); the book extra's loses its marker
    assert fresh[1] == [*INSTALLED_REQUIREMENTS[:3], "jupyter-book==1.0.4.post1", INSTALLED_REQUIREMENTS[4]]


def test_the_install_cell_without_a_source_installs_nothing(monkeypatch):
    assert _run_install_code(monkeypatch, installed=set(), source=None) == []


def test_the_install_cell_fits_a_notebook_column_and_only_it_is_replaced():
    code = ganbook_repository.install_code("git+https://github.com/o/b@" + "f" * 40)
    assert all(len(line) <= 80 for line in ganbook_repository.INSTALL_CODE.splitlines())
    compile(code, "install-cell", "exec")
    notebook = {"cells": [{"cell_type": "code", "source": ["# install-ganbook: x\n"]},
                          {"cell_type": "code", "source": "print(1)"},
                          {"cell_type": "markdown", "source": "# install-ganbook: prose"}]}
    cells = ganbook_repository.published_notebook(notebook, None)["cells"]
    assert cells[0]["source"] == ganbook_repository.INSTALL_CODE
    again = ganbook_repository.published_notebook({"cells": cells}, "git+file://localhost/r@c")["cells"]
    assert "SOURCE = 'git+file://localhost/r@c'" in again[0]["source"], "a written cell is rewritten too"
    assert [cell["source"] for cell in cells[1:]] == ["print(1)", "# install-ganbook: prose"]


def test_the_citation_file_is_valid_and_names_this_version():
    citation = REPO / "CITATION.cff"
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                          "vendor.citation-file-format", str(citation)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    import ganbook

    cff = yaml.safe_load(citation.read_text())
    book = yaml.safe_load((REPO / "_config.yml").read_text())
    assert cff["version"] == ganbook.__version__ and cff["title"] == book["title"]
