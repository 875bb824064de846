"""Reason clustering of the customers' free text, in Chinese and English.

Terms are English words (lower case, common words left out) and Chinese character
bigrams (Chinese needs no tokenizer; a bigram is most often a word or half of one),
weighted by TF-IDF; k-means groups the texts, k from 2 to 6 chosen by the silhouette.
A cluster's label is its heaviest terms; its examples are the texts nearest its centre.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from returnflow.analyze import SEED

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z][a-z']+")
_STOP_WORDS = (
    "the a an and or but is are was were be been it its this that to of in on for with as at "
    "by from i my me we our you your they them he she not no so very too just have has had do "
    "did does can could would will after before when than then there here all one also"
)
STOP = frozenset(_STOP_WORDS.split(" "))
STOP_ZH = frozenset({"一个", "我的", "不是", "就是", "这个", "没有", "我们", "收到"})
STOP_CHARS = frozenset("的了和与很太是也都就在有我这那吗呢吧啊个")  # a bigram with one says little
MIN_TEXTS = 6  # fewer texts than this are not clustered
MAX_WORD = 4  # characters in a joined Chinese term: most words are 2–4
MIXED = 0.35  # a cluster whose members sit further from its centre is a mixed bag
SILHOUETTE_SAMPLE = 2000  # texts the silhouette is measured on (it is quadratic)


def terms(text: str) -> list[str]:
    """English words and Chinese character bigrams (a lone character stands for itself)."""
    lower = text.lower()
    found = [w for w in _WORD.findall(lower) if w not in STOP]
    for run in _CJK.findall(lower):
        grams = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        found.extend(g for g in grams if g not in STOP_ZH and not STOP_CHARS & set(g))
    return found


@dataclass(frozen=True)
class TextCluster:
    members: tuple[int, ...]  # indices into the texts given
    terms: tuple[str, ...]  # the heaviest terms, heaviest first
    examples: tuple[int, ...]  # indices of the texts nearest the centre
    cohesion: float = 1.0  # mean cosine of the members to the centre: low, a mixed bag


def top_terms(texts: Sequence[str], count: int = 6) -> list[str]:
    """The heaviest terms of these texts together (a product's customers' words)."""
    weights: dict[str, float] = {}
    for text in texts:
        seen = terms(text)
        for term in set(seen):
            weights[term] = weights.get(term, 0.0) + 1.0 + 0.1 * seen.count(term)
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    shared = 2.0 if len(texts) >= 3 else 1.0  # words more than one customer used, if any
    heavy = [term for term, weight in ranked[: count * 2] if weight >= shared]
    heavy = heavy or [term for term, _ in ranked[:count]]
    return merge(heavy, [t.lower() for t in texts])[:count]


def merge(found: list[str], texts: Sequence[str] = ()) -> list[str]:
    """Overlapping Chinese bigrams joined into the words they spell, heaviest first:
    "屏幕", "幕划", "划痕" read as "屏幕划痕"; English words stay as they are."""
    merged = list(found)
    changed = True
    while changed:
        changed = False
        for i, j in ((i, j) for i in range(len(merged)) for j in range(len(merged)) if i != j):
            a, b = merged[i], merged[j]
            if not (_CJK.fullmatch(a) and _CJK.fullmatch(b)):
                continue
            if b in a or a in b:
                joined = a if b in a else b
            else:
                joined = a + b[1:] if a[-1] == b[0] else ""
                if len(joined) > MAX_WORD or (texts and not any(joined in t for t in texts)):
                    joined = ""  # "手机" + "机配" + "配方" is no word anyone wrote
            if joined:
                merged[min(i, j)] = joined
                del merged[max(i, j)]
                changed = True
                break
    return merged


def cluster(texts: Sequence[str], max_k: int = 8, examples: int = 3) -> list[TextCluster]:
    """Clusters of `texts` (largest first); one cluster when there are too few to split."""
    usable = [i for i, t in enumerate(texts) if terms(t)]
    if len(usable) < MIN_TEXTS:
        words = tuple(top_terms([texts[i] for i in usable]))
        return [TextCluster(tuple(usable), words, tuple(usable[:examples]))] if usable else []
    vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=2)
    with threadpool_limits(limits=1):
        try:
            matrix = vectorizer.fit_transform([texts[i] for i in usable])
        except ValueError:  # no term occurs twice
            return [TextCluster(tuple(usable), (), tuple(usable[:examples]))]
        # at most about sqrt(n / 2) clusters: themes, not near-duplicates of one text
        labels, centres = _best_k(matrix, min(max_k, int(math.sqrt(len(usable) / 2))))
    vocabulary = vectorizer.get_feature_names_out()
    dense = matrix.toarray()
    found = []
    for k in range(centres.shape[0]):
        rows = np.flatnonzero(labels == k)
        if rows.size == 0:
            continue
        heavy = np.argsort(-centres[k], kind="stable")[:8]
        members = [texts[usable[i]].lower() for i in rows]
        words = tuple(merge([str(vocabulary[j]) for j in heavy if centres[k, j] > 0], members))
        norm = float(np.linalg.norm(centres[k])) or 1.0
        cohesion = float((dense[rows] @ centres[k]).mean() / norm)
        distance = np.linalg.norm(dense[rows] - centres[k], axis=1)
        near = rows[np.argsort(distance, kind="stable")[:examples]]
        found.append(
            TextCluster(
                tuple(usable[i] for i in rows), words, tuple(usable[i] for i in near), cohesion
            )
        )
    found.sort(key=lambda c: (c.cohesion < MIXED, -len(c.members), c.terms))  # themes first
    return found


def _best_k(matrix: object, max_k: int) -> tuple[np.ndarray, np.ndarray]:
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for k in range(2, max(2, max_k) + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fewer distinct texts than k: said by the score
            model = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit(matrix)
        if len(set(model.labels_)) < 2:
            continue
        sample = min(SILHOUETTE_SAMPLE, model.labels_.shape[0])
        score = float(
            silhouette_score(matrix, model.labels_, sample_size=sample, random_state=SEED)
        )
        if best is None or score > best[0] + 1e-9:
            best = (score, model.labels_, model.cluster_centers_)
    if best is None:
        model = KMeans(n_clusters=1, n_init=1, random_state=SEED).fit(matrix)
        return model.labels_, model.cluster_centers_
    return best[1], best[2]
