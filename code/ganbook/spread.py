"""The spread of the book's numbers across builds with different seeds (``GANBOOK_SEED``).

    GANBOOK_SEED=0 python -m ganbook.spread collect _build/jupyter_execute --out seed-0.json
    python -m ganbook.spread summarise seed-0.json seed-1.json seed-2.json --out spread.json

``collect`` reads every number a build glued into its prose (myst-nb writes them beside each executed
notebook as ``<chapter>.glue.json``), every headline number its chapters recorded and every
claim they checked, with its measured values (``ganbook.results``, in the build's cache folder), with the build's commit and book seed (run it
with the build's ``GANBOOK_SEED`` and ``GANBOOK_CACHE_DIR``); ``summarise`` combines several such
files, from builds of one commit with different seeds, into each number's mean, standard deviation
and range. A claim that orders two noisy numbers needs a gap of several such
standard deviations; the reproducibility appendix shows the summary as a measurement of its own.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ganbook import results, settings
from ganbook.atomic import atomic_path

GLUE_SUFFIX = ".glue.json"


def glued_numbers(executed: Path) -> dict[str, dict[str, float]]:
    """{chapter: {glue key: value}} for every glued value under ``executed`` that is a finite number."""
    found = {}
    for path in sorted(Path(executed).rglob(f"*{GLUE_SUFFIX}")):
        values = {}
        for key, output in json.loads(path.read_text()).items():
            try:
                value = float(output.get("data", {}).get("text/plain", ""))
            except ValueError:  # text, a figure or a table: not a number
                continue
            if math.isfinite(value):
                values[key] = value
        if values:
            found[path.name[:-len(GLUE_SUFFIX)]] = values
    return found


def _commit(folder: Path) -> str:
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def collect(executed: Path) -> dict:
    """One build's measurement: its commit, its book seed, its glued and its headline numbers."""
    numbers = glued_numbers(executed)
    if not numbers:
        raise FileNotFoundError(f"no glued numbers under {executed}: pass a build's _build/jupyter_execute folder")
    return {"commit": _commit(Path(executed)), "seed": settings.book_seed(), "numbers": numbers,
            "headline": results.load_all(), "claims": results.load_claims()}


def _spread(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values), "min": min(values),
            "max": max(values), "values": values}


def summarise(builds: Sequence[dict]) -> dict:
    """Each number's mean, standard deviation (n - 1), minimum and maximum over ``builds`` of one commit."""
    commits = {build["commit"] for build in builds}
    if len(commits) != 1:
        raise ValueError(f"the builds come from different commits {sorted(commits)}: build one commit with each seed")
    seeds = [build["seed"] for build in builds]
    if len(set(seeds)) != len(seeds) or len(seeds) < 2:
        raise ValueError(f"need two or more builds with different seeds, got seeds {seeds}")
    summary = {}
    for chapter in sorted(set().union(*(build["numbers"] for build in builds))):
        keys = set.intersection(*(set(build["numbers"].get(chapter, {})) for build in builds))
        summary[chapter] = {}
        for key in sorted(keys):
            summary[chapter][key] = _spread([build["numbers"][chapter][key] for build in builds])
    return {"commit": commits.pop(), "seeds": seeds, "numbers": summary, "headline": _headline_spread(builds),
            "claims": _claims_across(builds)}


def _claims_across(builds: Sequence[dict]) -> dict:
    """Each claim every build checked: whether it held in each, and each build's measured values."""
    checked = [build.get("claims", {}) for build in builds]
    sentences = set.intersection(*(set(one) for one in checked)) if checked else set()
    return {sentence: {"held": [one[sentence]["held"] for one in checked],
                       "measured": [one[sentence]["measured"] for one in checked]}
            for sentence in sorted(sentences)}


def _headline_spread(builds: Sequence[dict]) -> dict:
    """Each headline number's spread (with its unit and digits), where every build recorded it."""
    recorded = [build.get("headline", {}) for build in builds]
    summary = {}
    for chapter in sorted(set().union(*recorded)):
        names = set.intersection(*(set(one.get(chapter, {})) for one in recorded))
        summary[chapter] = {name: {**_spread([one[chapter][name]["value"] for one in recorded]),
                                   "unit": recorded[0][chapter][name]["unit"],
                                   "digits": recorded[0][chapter][name]["digits"]}
                            for name in sorted(names)}
    return summary


def headline_rows(summary: dict, chapter: str) -> list[list[str]]:
    """[quantity, "mean ± s.d. (each seed's value)"] for each headline number ``chapter`` recorded."""
    rows = []
    for name, entry in summary["headline"].get(chapter, {}).items():
        digits = entry["digits"]
        each = ", ".join(f"{value:.{digits}f}" for value in entry["values"])
        rows.append([name, f"{entry['mean']:.{digits}f} ± {entry['sd']:.{digits + 1}f} {entry['unit']}".rstrip()
                     + f" ({each})"])
    return rows


def _write(data: dict, out: Path) -> None:
    with atomic_path(Path(out), suffix=".json") as temporary:
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ganbook.spread", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("collect", help="one build's glued numbers, commit and seed")
    one.add_argument("executed", type=Path, help="the build's _build/jupyter_execute folder")
    one.add_argument("--out", type=Path, required=True)
    several = commands.add_parser("summarise", help="mean, s.d. and range over builds with different seeds")
    several.add_argument("builds", type=Path, nargs="+")
    several.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)
    if arguments.command == "collect":
        _write(collect(arguments.executed), arguments.out)
    else:
        _write(summarise([json.loads(path.read_text()) for path in arguments.builds]), arguments.out)


if __name__ == "__main__":
    main()
