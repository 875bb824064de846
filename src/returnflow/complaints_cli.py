"""`returnflow complaints …`: the complaint classifier by hand (issue 12, R8.1).

`evaluate` measures the classifier on its labelled set (stratified k-fold cross
validation or one hold-out split, fixed seed) and prints precision, recall and F1 per
category and per urgency: the figures the complaint desk's trust in a suggestion rests on.
"""

from __future__ import annotations

from typing import Annotated

import typer

complaints = typer.Typer(help="Complaints: the classifier's quality.", no_args_is_help=True)


@complaints.command("evaluate")
def evaluate(
    folds: Annotated[
        int, typer.Option(min=2, max=20, help="Folds of the stratified cross validation")
    ] = 5,
    holdout: Annotated[
        bool, typer.Option("--holdout", help="One stratified 75/25 split instead of k folds")
    ] = False,
) -> None:
    """Print the classifier's precision and recall per category and per urgency."""
    from returnflow.classify import evaluation  # scikit-learn loads only when asked (~1 s)

    result = evaluation.holdout() if holdout else evaluation.cross_validate(folds=folds)
    typer.echo(evaluation.table(result))
