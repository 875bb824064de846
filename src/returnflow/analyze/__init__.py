"""The numeric side of the analyses (issue 14, R9.2): scikit-learn and statsmodels.

A package beside `classify/`: `text.py` clusters the customers' words (Chinese as
character bigrams, English as words, TF-IDF and k-means, k chosen by silhouette),
`segments.py` clusters returning customers on frequency, value, reasons and timing,
`forecast.py` fits an additive Holt-Winters model (weekly season) to daily filings and
forecasts 14 days with a prediction interval. Every fit is deterministic (`SEED`).
Services call it with plain lists and get plain numbers back.
"""

from __future__ import annotations

SEED = 20261207
