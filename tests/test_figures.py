"""Figure builders draw the expected bars/points into a non-empty PNG."""

import pandas as pd
import pytest

from mmoe import figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    return path.stat().st_size > 5000 and path.read_bytes()[:8] == PNG_MAGIC


def test_per_interaction_bars_one_bar_per_type_model_and_panel(tmp_path):
    stats = pd.DataFrame(
        [
            {"dataset": d, "family": "mlp", "interaction": k, "model": m,
             "accuracy_mean": 60.0, "accuracy_std": 2.0, "n": 7}
            for d in ("mustard", "synthetic") for k in "RUS" for m in ("single model", "expert")
        ]
    )  # fmt: skip
    out = tmp_path / "per_interaction.png"
    assert figures.per_interaction_bars(stats.iloc[:-1], out) == 11  # a missing bar is not drawn
    assert _is_png(out)


def test_parameters_vs_f1_one_point_per_family_and_method(tmp_path):
    stats = pd.DataFrame(
        [
            {"dataset": "mustard", "family": f, "method": m, "active": a, "trainable": a,
             "f1_mean": 60.0, "f1_std": std}
            for f in ("mlp", "big")
            for m, a, std in (("single model", 100, 1.0), ("+MMoE", 310, float("nan")))
        ]
    )  # fmt: skip
    out = tmp_path / "parameters.png"
    assert figures.parameters_vs_f1(stats, out) == 4
    assert _is_png(out)


@pytest.mark.parametrize("n", [1, 3])
def test_pid_bars_four_segments_per_subset(tmp_path, n):
    stats = pd.DataFrame(
        [
            {"dataset": f"d{i}", "subset": subset, "R": 0.1, "U1": 0.05, "U2": 0.0, "S": 0.2}
            for i in range(n)
            for subset in ("all rows", "S rows")
        ]
    )
    out = tmp_path / "pid.png"
    assert figures.pid_bars(stats, out) == 4 * 2 * n
    assert _is_png(out)
