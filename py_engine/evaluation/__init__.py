"""Evaluation of synthetic data: utility and disclosure risk, as a JSON-able report.

    from py_engine.evaluation import evaluate
    report = evaluate(train, synthetic, holdout, {"target": "income"})

Each metric is a small pure function in its own module (utility, columns, pairs, analysis,
disclosure), citing its paper; `runner.evaluate_steps` runs them all and builds the report dict
described in REPORT.md.
"""

from .runner import evaluate, evaluate_steps

__all__ = ["evaluate", "evaluate_steps"]
