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


def test_each_target_says_met_or_by_how_much_it_was_missed() -> None:
    from tools.bench import targets

    figures = {
        "embedded": {"8": {"throughput": 20.0, "p95_ms": 240.0}, "1": {"p95_ms": 80.0}},
        "embedded_memory": {"Rasa": 1300.0},
        "embedded_load": {"errors": 12},
    }
    rows = "\n".join(targets(figures))
    assert (
        "| 8 at once, embedded | 20.0 msg/s | at least 25 msg/s | missed by 5.0 msg/s (20%) |"
        in rows
    )
    assert "| 8 at once, embedded, p95 | 240.0 ms | at most 250 ms | met |" in rows
    assert "| 200 x 10 at once, embedded: errors | 12 | at most 0 | missed by 12 |" in rows
    # a figure not measured in the run is left out, never shown as 0
    assert "| 8 at once, two replicas" not in rows
    assert targets({}) == []


def test_a_run_of_some_parts_keeps_the_others_with_their_own_date(tmp_path: Path) -> None:
    from tools.bench import merged

    previous = {
        "date": "2026-12-02 15:36 UTC",
        "nlu": {"old": True},
        "embedded": {"1": {"old": True}},
        "directory_md": "# old\n",
    }
    now = {"date": "2026-12-03 12:40 UTC", "embedded": {"1": {"new": True}}, "workers": {}}
    out = merged(previous, now, {"latency", "workers"})
    assert out["embedded"] == {"1": {"new": True}}  # measured again: the new figure
    assert out["nlu"] == {"old": True} and out["directory_md"] == "# old\n"
    assert out["dates"]["latency"] == out["dates"]["workers"] == "2026-12-03 12:40 UTC"
    assert out["dates"]["nlu"] == out["dates"]["directory"] == "2026-12-02 15:36 UTC"
    assert "load" not in out["dates"]  # nothing of it is on the page
    # a second partial run keeps the first one's dates
    again = merged(out, {"date": "2026-12-03 13:00 UTC", "directory_md": "# new\n"}, {"directory"})
    assert again["dates"]["nlu"] == "2026-12-02 15:36 UTC"
    assert again["dates"]["latency"] == "2026-12-03 12:40 UTC"
    assert again["dates"]["directory"] == "2026-12-03 13:00 UTC"
