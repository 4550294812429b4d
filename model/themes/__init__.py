"""Recurring themes: clusters of items about the same thing, found without being told how many.

`fit_themes` clusters sentence embeddings (PCA, then scikit-learn's HDBSCAN) and labels each
cluster with class-based TF-IDF (`labels`); `ThemeIndex` lets new items join a theme online by
nearest unit centroid; `match_refit` carries theme ids across a re-fit and reports merges and
splits. Pure numpy and scikit-learn: the service stores the results.
"""

from model.themes.fit import Theme, ThemeFit, fit_themes
from model.themes.index import ThemeIndex
from model.themes.labels import ctfidf_keywords, label_terms
from model.themes.refit import Merge, RefitMatch, Split, match_refit

__all__ = [
    "Merge",
    "RefitMatch",
    "Split",
    "Theme",
    "ThemeFit",
    "ThemeIndex",
    "ctfidf_keywords",
    "fit_themes",
    "label_terms",
    "match_refit",
]
