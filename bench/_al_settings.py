"""The settings of the label-savings benchmark: a dataset, a model, and the loop's start, batch and budget.

Four settings as the issue states them: scikit-learn's digits and a hard generated 6-class set
(``make_classification(n_samples=3000, n_features=40, n_informative=15, n_classes=6,
n_clusters_per_class=2, class_sep=0.8)``), each standardized (scaler fitted on the pool) and split 75/25
stratified per seed, each learned by logistic regression and by averaged SGD with the log loss.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

__all__ = ["SETTINGS", "Split", "Setting", "fit_predict", "split"]


@dataclass(frozen=True)
class Setting:
    name: str
    dataset: str
    model: str
    start: int
    batch: int
    budget: int


SETTINGS = {
    s.name: s
    for s in (
        Setting("digits / logistic", "digits", "logistic", 20, 20, 600),
        Setting("digits / averaged SGD", "digits", "sgd", 20, 20, 600),
        Setting("hard 6-class / logistic", "hard", "logistic", 20, 20, 450),
        Setting("hard 6-class / averaged SGD", "hard", "sgd", 20, 20, 450),
    )
}


@cache
def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
        return x.astype(np.float64), y.astype(np.int64)
    x, y = datasets.make_classification(
        n_samples=3000,
        n_features=40,
        n_informative=15,
        n_classes=6,
        n_clusters_per_class=2,
        class_sep=0.8,
        random_state=0,
    )
    return x, y.astype(np.int64)


@dataclass(frozen=True)
class Split:
    """The pool (features standardized on the pool, float32 as embeddings) and the test split."""

    pool_x: np.ndarray
    pool_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    classes: int


def split(dataset: str, seed: int) -> Split:
    """A stratified 75/25 split for ``seed``, standardized on the pool."""
    x, y = _data(dataset)
    xp, xt, yp, yt = train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(xp)
    return Split(
        scaler.transform(xp).astype(np.float32),
        yp,
        scaler.transform(xt),
        yt,
        int(y.max()) + 1,
    )


def _model(kind: str, seed: int) -> LogisticRegression | SGDClassifier:
    if kind == "logistic":
        return LogisticRegression(max_iter=2000)
    return SGDClassifier(loss="log_loss", average=True, random_state=seed)


def fit_predict(kind: str, seed: int, data: Split, labeled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit the setting's model on the labeled pool rows: (pool probabilities n x k, test predictions)."""
    model = _model(kind, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(data.pool_x[labeled], data.pool_y[labeled])
    probs = np.zeros((data.pool_x.shape[0], data.classes))
    probs[:, model.classes_] = model.predict_proba(data.pool_x)
    predict: Callable[[np.ndarray], np.ndarray] = model.predict
    return probs, predict(data.test_x)
