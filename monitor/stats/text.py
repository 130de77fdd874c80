"""Text drift as Evidently 0.7 scores it: a domain classifier (no model download).

Both windows' texts are split in halves (scikit-learn's ``train_test_split``, seed 42),
a TF-IDF + linear SGD classifier (seed 42) learns to tell current texts from reference
ones, and the score is its ROC AUC on the held-out half: 0.5 when the windows cannot be
told apart, near 1 when they drift.

- ``abs_text_content_drift`` (Evidently's choice above 1,000 reference texts): drift when
  the ROC AUC is above the threshold (0.55);
- ``perc_text_content_drift`` (at most 1,000): drift when the ROC AUC is above the
  ``threshold`` percentile (0.95) of the ROC AUCs of 1,000 random classifiers on the same
  held-out labels, drawn with Evidently's seeds (42, then one seed per classifier).

scikit-learn is imported only when a text column is scored.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from monitor.drift_methods import DriftMethod, Sample

RANDOM_CLASSIFIERS = 1000
SEED = 42


def domain_classifier_auc(reference: Sample, current: Sample) -> tuple[float, npt.NDArray[np.int64]]:
    """ROC AUC of the domain classifier and the held-out labels (1: current), or NaN when
    the texts cannot be learnt from (too few, or no word left after stop words)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    texts = np.concatenate([reference, current]).astype(str).astype(object)
    labels = np.concatenate([np.zeros(reference.size, np.int64), np.ones(current.size, np.int64)])
    try:
        train_texts, test_texts, train_labels, test_labels = train_test_split(
            texts, labels, test_size=0.5, random_state=SEED, shuffle=True
        )
        pipeline = Pipeline(
            [
                ("vectorization", TfidfVectorizer(sublinear_tf=True, max_df=0.5, stop_words="english")),
                (
                    "classification",
                    SGDClassifier(
                        alpha=0.0001, max_iter=50, penalty="l1", loss="modified_huber", random_state=SEED
                    ),
                ),
            ]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Evidently's 50 iterations rarely converge: its setting, kept
            pipeline.fit(train_texts, train_labels)
        probabilities = pipeline.predict_proba(test_texts)[:, 1]
        return float(roc_auc_score(test_labels, probabilities)), np.asarray(test_labels, dtype=np.int64)
    except ValueError:  # empty vocabulary, a single class in a half, fewer than 2 texts
        return float("nan"), np.zeros(0, dtype=np.int64)


class AbsoluteTextContentDrift(DriftMethod):
    name = "abs_text_content_drift"
    kinds = ("text",)
    default_threshold = 0.55
    direction = "above"

    def score(self, reference: Sample, current: Sample) -> float:
        return domain_classifier_auc(reference, current)[0]


class PercentileTextContentDrift(DriftMethod):
    name = "perc_text_content_drift"
    kinds = ("text",)
    default_threshold = 0.95
    direction = "above"

    def score(self, reference: Sample, current: Sample) -> float:
        return domain_classifier_auc(reference, current)[0]

    def verdict(self) -> str:
        return "ROC AUC > the (threshold x 100)th percentile of 1,000 random classifiers' ROC AUCs"

    def evaluate(self, reference: Sample, current: Sample, threshold: float) -> tuple[float, bool]:
        auc, test_labels = domain_classifier_auc(reference, current)
        if np.isnan(auc):
            return auc, False
        p_value = 1 - threshold  # Evidently's own arithmetic: the percentile is 100 * (1 - p_value)
        return auc, bool(auc > np.percentile(random_classifier_aucs(test_labels), 100 * (1 - p_value)))


def random_classifier_aucs(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """ROC AUCs of Evidently's 1,000 uniformly random scorings of ``labels``, from the ranks
    (Mann-Whitney) rather than 1,000 ROC curves: random floats do not tie."""
    seeds = np.random.RandomState(SEED).randint(0, RANDOM_CLASSIFIERS * 10, size=RANDOM_CLASSIFIERS)
    positives = labels == 1
    n_positive = int(positives.sum())
    n_negative = labels.size - n_positive
    aucs = np.empty(RANDOM_CLASSIFIERS)
    ranks = np.empty(labels.size, dtype=np.float64)
    for index, seed in enumerate(seeds):
        scores = np.random.RandomState(seed).rand(labels.size)
        ranks[np.argsort(scores)] = np.arange(1, labels.size + 1)
        aucs[index] = (ranks[positives].sum() - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)
    return aucs
