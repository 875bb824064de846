"""The complaint classifier: training time and suggestions per second, no database.

Trains on the labelled set (`returnflow/classify/data/complaints.jsonl`) a few times and
reports the best and the median; then times `suggest` one text at a time (what filing
a complaint does) and `predict` in one batch, over the labelled set's own texts.
Nothing is asserted.

    .venv/bin/python benchmarks/bench_classifier.py [--trainings 5] [--suggestions 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from machine import busy_note, revision

started = time.perf_counter()
from returnflow.classify import labelled_set, train  # noqa: E402 - the import is measured

IMPORT_SECONDS = time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trainings", type=int, default=5)
    parser.add_argument("--suggestions", type=int, default=2000)
    options = parser.parse_args(argv)
    print(f"revision {revision()}; {busy_note()}")
    examples = labelled_set()
    texts = [example.text for example in examples]
    print(
        f"labelled set: {len(examples)} complaints; import of scikit-learn and the package: "
        f"{IMPORT_SECONDS:.2f} s"
    )

    took = []
    for _ in range(options.trainings):
        begun = time.perf_counter()
        model = train(examples)
        took.append(time.perf_counter() - begun)
    print(
        f"training ({options.trainings} runs): best {min(took):.3f} s, "
        f"median {statistics.median(took):.3f} s, worst {max(took):.3f} s"
    )

    count = options.suggestions
    for text in texts[:50]:  # warm-up
        model.suggest(text)
    begun = time.perf_counter()
    for n in range(count):
        model.suggest(texts[n % len(texts)])
    single = time.perf_counter() - begun
    print(
        f"suggest, one text a call: {count / single:,.0f} suggestions/s "
        f"({single / count * 1000:.2f} ms each)"
    )

    batch = (texts * (count // len(texts) + 1))[:count]
    begun = time.perf_counter()
    model.predict(batch)
    together = time.perf_counter() - begun
    print(f"predict, {count} texts in one batch: {count / together:,.0f} texts/s")


if __name__ == "__main__":
    main(sys.argv[1:])
