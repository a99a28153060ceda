"""Every supported reader's machine can install the book: pip resolves pyproject.toml for each target.

pip's own resolver runs in dry-run mode for another platform and Python (``--platform``,
``--python-version``, ``--only-binary=:all:``), so a pin with no distribution for a supported target
fails here, in CI (which reaches the package registry), before it fails a reader. pip evaluates
environment markers (``platform_machine == 'arm64'``) for the machine it runs on, not for
``--platform`` (pypa/pip#11664), so the resolution runs in a small wrapper that gives pip's markers
the target's environment: the TensorFlow distribution chosen, and every dependency's own markers,
are those the target's pip would choose.

Without the registry (a reader's offline machine) the tests skip, unless ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # its tests run in one worker (tests/conftest.py, WHOLE_MODULES)

REPO = Path(__file__).resolve().parents[1]
REGISTRY = "https://pypi.org/simple/pip/"


def _manylinux(machine: str, glibc_minor: int) -> list[str]:
    """The manylinux tags a glibc 2.``glibc_minor`` machine accepts (pip does not expand them itself)."""
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(glibc_minor, 16, -1)]
    return tags + [f"manylinux2014_{machine}", f"linux_{machine}"]


@dataclass(frozen=True)
class Target:
    system: str  # platform.system()
    machine: str  # platform.machine(), as that OS spells it
    python: str
    platforms: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.system}-{self.machine}-py{self.python}"

    @property
    def sys_platform(self) -> str:
        return {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}[self.system]

    def markers(self) -> dict[str, str]:
        """The environment-marker values of this target's Python."""
        return {"python_version": self.python, "python_full_version": f"{self.python}.0",
                "sys_platform": self.sys_platform, "platform_system": self.system,
                "platform_machine": self.machine, "os_name": "nt" if self.system == "Windows" else "posix",
                "implementation_name": "cpython", "platform_python_implementation": "CPython",
                "implementation_version": f"{self.python}.0"}


LINUX_X86 = tuple(_manylinux("x86_64", 31))  # glibc 2.31: Debian 11, Ubuntu 20.04, and newer
LINUX_ARM = tuple(_manylinux("aarch64", 31))
MAC_ARM = ("macosx_14_0_arm64",)  # pip accepts older macOS versions' wheels and universal2 itself
MAC_INTEL = ("macosx_14_0_x86_64",)
WINDOWS = ("win_amd64",)

SUPPORTED = [
    *(Target("Linux", "x86_64", python, LINUX_X86) for python in ("3.11", "3.12", "3.13")),
    *(Target("Darwin", "arm64", python, MAC_ARM) for python in ("3.11", "3.13")),
    *(Target("Windows", "AMD64", python, WINDOWS) for python in ("3.11", "3.13")),
    Target("Linux", "aarch64", "3.12", LINUX_ARM),
]
INTEL_MAC = Target("Darwin", "x86_64", "3.12", MAC_INTEL)  # TensorFlow stopped at 2.16 there

# pip's main, with its environment markers evaluated for the target given as JSON in argv[1].
PIP_FOR_TARGET = """
import json, sys
from pip._vendor.packaging import markers
target = {**markers.default_environment(), **json.loads(sys.argv[1])}
markers.default_environment = lambda: dict(target)
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def project_requirements() -> list[str]:
    """pyproject.toml's dependencies with the book's and the tests' extras, markers and all."""
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *extras["book"], *extras["test"]]


def resolve(requirements: list[str], target: Target, folder: Path) -> subprocess.CompletedProcess:
    """pip's dry-run install of ``requirements`` for ``target``, from binary distributions only."""
    command = [sys.executable, "-c", PIP_FOR_TARGET, json.dumps(target.markers()), "install", "--dry-run",
               "--ignore-installed", "--only-binary=:all:", "--python-version", target.python,
               "--implementation", "cp", "--target", str(folder / target.name),
               "--disable-pip-version-check", "--quiet"]
    for platform in target.platforms:
        command += ["--platform", platform]
    return subprocess.run([*command, *requirements], capture_output=True, text=True, timeout=900)


def _pip_errors(run: subprocess.CompletedProcess) -> str:
    return "\n".join(line for line in (run.stdout + run.stderr).splitlines() if "ERROR" in line)


@pytest.fixture(scope="module")
def registry():
    try:
        urllib.request.urlopen(REGISTRY, timeout=20).close()
    except OSError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI reaches the package registry, but {REGISTRY} did not answer: {error}")
        pytest.skip(f"the package registry is out of reach ({error})")


@pytest.fixture(scope="module")
def resolutions(registry, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every supported target resolved, four at a time (each run is mostly waiting for downloads)."""
    folder, requirements = tmp_path_factory.mktemp("targets"), project_requirements()
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = pool.map(lambda target: resolve(requirements, target, folder), SUPPORTED)
        return {target.name: run for target, run in zip(SUPPORTED, runs)}


@pytest.mark.parametrize("target", SUPPORTED, ids=lambda target: target.name)
def test_every_pin_has_a_distribution_for_every_supported_target(resolutions, target):
    run = resolutions[target.name]
    assert run.returncode == 0, f"{target.name}: pip cannot install the book there:\n{_pip_errors(run)}"


def test_a_pin_with_no_distribution_fails_the_resolution(registry, tmp_path):
    run = resolve(["tensorflow-cpu==2.21.*"], Target("Darwin", "arm64", "3.12", MAC_ARM), tmp_path)
    assert run.returncode != 0 and "No matching distribution found for tensorflow-cpu" in run.stderr


def test_an_intel_mac_has_no_tensorflow_of_the_pinned_version(registry, tmp_path):
    """What scripts/python-env.sh tells an Intel Mac's reader is still true of the registry."""
    run = resolve(project_requirements(), INTEL_MAC, tmp_path)
    assert run.returncode != 0 and re.search(r"No matching distribution found for tensorflow", run.stderr), \
        "TensorFlow of the pinned version now exists for Intel Macs: add the target and drop the message"


def test_the_scripts_accept_exactly_the_supported_unix_platforms():
    text = (REPO / "scripts" / "python-env.sh").read_text()
    listed = set(re.search(r'^GANBOOK_PLATFORMS="([^"]*)"', text, re.M).group(1).split())
    supported = {f"{t.sys_platform}/{t.machine.lower()}" for t in SUPPORTED if t.system != "Windows"}
    assert listed == supported


def test_each_target_gets_one_tensorflow_distribution_from_the_markers():
    from packaging.requirements import Requirement

    tensorflows = [Requirement(line) for line in project_requirements()
                   if Requirement(line).name in ("tensorflow", "tensorflow-cpu")]
    for target in [*SUPPORTED, INTEL_MAC]:
        chosen = [r.name for r in tensorflows if r.marker is None or r.marker.evaluate(target.markers())]
        assert len(chosen) == 1, f"{target.name}: {chosen}"
        wanted = "tensorflow" if target.machine in ("arm64", "aarch64") else "tensorflow-cpu"
        assert chosen == [wanted], target.name
