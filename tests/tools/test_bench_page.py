"""The benchmark page when Rasa's default pipeline was not trained in the run."""

from __future__ import annotations

from pathlib import Path

from tools.bench import page, plot_nlu


def _ours() -> dict[str, object]:
    return {
        "intent_macro_f1_by_language": {"es": 0.91, "en": 0.88},
        "emergency_recall": 0.97,
        "false_alarm_rate": 0.01,
        "corregimiento_value_accuracy": 0.8,
        "language_accuracy_stateless": 0.99,
    }


def test_a_missing_baseline_is_shown_as_not_available_never_as_a_figure(tmp_path: Path) -> None:
    """BENCH_TRAIN_DEFAULT=0 leaves the baseline out: its column must say so, not show zeros."""
    nlu = {
        "ours": _ours(),
        "default": None,
        "ours_size_mb": 50.9,
        "default_size_mb": None,
        "default_train_s": None,
    }
    figures = {
        "date": "2026-12-02 15:00 UTC",
        "machine": "2 cores",
        "load_before": (1.0, 1.0, 1.0),
        "load_after": (1.0, 1.0, 1.0),
        "nlu": nlu,
    }
    text = page(figures, tmp_path / "bench", tmp_path / "benchmarks.md")
    assert "| macro-F1 es | 0.910 | n/a | 0.93 |" in text
    assert "| model size | 50.9 MB | n/a | |" in text
    assert "not trained in this run" in text
    plot_nlu(nlu, tmp_path / "nlu.png")
    assert (tmp_path / "nlu.png").stat().st_size > 0
