"""Diagrams drawn by code, so every static figure in ``fig/`` can be rebuilt: ``python -m ganbook.diagrams``."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FIGURES = Path(__file__).resolve().parents[2] / "fig"


def feed_forward_diagram():
    """The d-h-k network: a column of neurons per layer (a few drawn, the rest elided), every edge a weight."""
    layers = (  # (x position, neuron names top to bottom, fill colour, caption)
        (0.0, ("x_1", "x_2", "x_3", None, "x_d"), "#9ecae1", "input\n$x \\in \\mathbb{R}^d$"),
        (3.0, ("h_1", "h_2", None, "h_h"), "#fdd0a2", "hidden\n$\\sigma(xW_1 + b_1) \\in \\mathbb{R}^h$"),
        (6.0, ("o_1", None, "o_k"), "#a1d99b", "output\n$NN(x) \\in \\mathbb{R}^k$"),
    )
    fig, ax = plt.subplots(figsize=(8, 4.6))
    spacing, radius = 1.1, 0.3
    placed = []
    for x, names, _, _ in layers:
        top = (len(names) - 1) / 2 * spacing
        placed.append([(x, top - i * spacing, name) for i, name in enumerate(names)])
    for left, right, weights in zip(placed[:-1], placed[1:], ("$W_1,\\ b_1$", "$W_2,\\ b_2$")):
        for x0, y0, a in left:
            for x1, y1, b in right:
                if a and b:
                    ax.plot([x0, x1], [y0, y1], color="0.65", lw=0.7, zorder=1)
        ax.text((left[0][0] + right[0][0]) / 2, 3.0, weights, ha="center", fontsize=13)
    for (x, _, colour, caption), column in zip(layers, placed):
        for _, y, name in column:
            if name is None:
                ax.text(x, y, "$\\vdots$", ha="center", va="center", fontsize=18)
                continue
            ax.add_patch(plt.Circle((x, y), radius, facecolor=colour, edgecolor="0.2", zorder=2))
            ax.text(x, y, f"${name}$", ha="center", va="center", fontsize=12, zorder=3)
        ax.text(x, -3.1, caption, ha="center", va="top", fontsize=11)
    ax.set_xlim(-1.3, 7.3)
    ax.set_ylim(-3.7, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def main(folder: Path = FIGURES) -> list[Path]:
    """Write every diagram to ``folder`` and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "feed_forward_neural_net.png"
    fig = feed_forward_diagram()
    fig.savefig(path, dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIGURES):
        print(written)
