"""Which hotline an emergency needs, when no danger phrase says it.

The danger phrases name a category when they match; an emergency the intent classifier found
alone ("estoy escondida donde una vecina, todavía tengo sangre en la cara") used to get one only
from loose hint words, right for 0.73 of such messages. This is a small model of its own, a
logistic regression over character and word n-grams of the folded text, trained on the
category each emergency training example carries (`metadata: {category: ...}` in
nlu/data/nlu/*/emergency.yml). It never decides whether a message is an emergency: only which
number comes after 911.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.components.text import fold, folded_key

CATEGORIES = frozenset(
    {
        "suicide",
        "violence",
        "sexual_violence",
        "trafficking",
        "missing_child",
        "medical",
        "cry_for_help",
    }
)


def _key(text: str) -> str:
    return folded_key(text) or fold(text).strip()


@dataclass(frozen=True)
class CategoryModel:
    pipeline: Any

    @staticmethod
    def category_of(data: Mapping[str, Any]) -> str | None:
        """The category an example carries in its metadata (Rasa keeps an example's own
        metadata under `metadata.example`); an unknown name is an error in the data."""
        metadata = data.get("metadata") or {}
        category = (metadata.get("example") or {}).get("category")
        if category is None:
            return None
        if category not in CATEGORIES:
            raise ValueError(f"unknown emergency category {category!r} in {data.get('text')!r}")
        return str(category)

    @classmethod
    def fit(cls, examples: Iterable[tuple[str, str]]) -> CategoryModel | None:
        """None when fewer than two categories are labelled: there is nothing to choose."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        pairs = list(examples)
        if len({category for _, category in pairs}) < 2:
            return None
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        # lbfgs on a fixed order of examples: the same data gives the same model
        classifier = LogisticRegression(C=5.0, max_iter=2000, class_weight="balanced")
        pipeline = make_pipeline(features, classifier)
        pipeline.fit([_key(text) for text, _ in pairs], [category for _, category in pairs])
        return cls(pipeline)

    def predict(self, text: str) -> str:
        return str(self.pipeline.predict([_key(text)])[0])

    def save(self, path: Path) -> None:
        import joblib

        joblib.dump(self.pipeline, path)

    @classmethod
    def load(cls, path: Path) -> CategoryModel | None:
        if not path.exists():
            return None
        import joblib

        return cls(joblib.load(path))
