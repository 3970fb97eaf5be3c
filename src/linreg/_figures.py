"""Figure helpers shared by :mod:`linreg.plots` and :mod:`linreg.inference.plots`: the
house figure size and styles, a new Figure (no pyplot state), saving by extension, and
feature lookup by name or index (matplotlib imported only when a figure is made)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIGSIZE = (6.0, 4.0)
DPI = 100
POINTS = {"s": 14, "alpha": 0.6, "color": "C0", "edgecolor": "none", "zorder": 3}
REFERENCE = {"color": "0.35", "linestyle": "--", "linewidth": 1.0}


def _figure(title=None, xlabel=None, ylabel=None):
    """A new (Figure, Axes) of the module's size, with title and axis labels set."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set(title=title or "", xlabel=xlabel or "", ylabel=ylabel or "")
    ax.grid(True, alpha=0.3)
    return fig, ax


def _save(fig, path) -> Path:
    """Save ``fig`` to ``path`` in the format of its extension; return the Path."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(
            f"cannot tell the image format from {str(path)!r}: use an extension among "
            f"{', '.join(sorted(supported))} (for example .png or .svg)"
        )
    fig.savefig(path, format=fmt, dpi=DPI)
    return path


def _feature_labels(model) -> list[str]:
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{j}" for j in range(model.n_features_in_)]


def _feature_index(model, feature) -> int:
    """Column index of ``feature`` (an int or a feature name) in the model's features."""
    labels = _feature_labels(model)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
        if not -len(labels) <= feature < len(labels):
            raise ValueError(
                f"feature index {feature} is out of range for {len(labels)} feature(s)"
            )
        return int(feature) % len(labels)
    if feature in labels:
        return labels.index(feature)
    raise ValueError(f"unknown feature {feature!r}; the model's features are {labels}")


def _finish(fig, path):
    """Save to ``path`` and return it, or return the Figure itself when ``path`` is None."""
    return fig if path is None else _save(fig, path)
