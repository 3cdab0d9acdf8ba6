"""Exception hierarchy of the training package.

User errors (bad data, bad hyperparameters, a model below the quality bar) are expected: they end the
job with a one-line reason and no traceback. Platform errors mean the environment is not what the
code was built for (unknown scikit-learn version, unreadable SageMaker variables): also reported in
one line, but with exit code 4 (the environment failed) so an operator knows the user cannot fix it by
editing data.
"""

from __future__ import annotations


class TrainingError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class UserError(TrainingError):
    """The input the user controls (data, hyperparameters, thresholds) cannot produce a model."""

    exit_code = 2


class DataValidationError(UserError):
    """A dataset channel breaks the data contract (see ``validation.py``)."""


class HyperparameterError(UserError):
    """A command-line flag or ``SM_HPS`` entry is unknown or out of range."""


class QualityGateError(UserError):
    """The trained model scored below ``--min_f1`` on the validation split."""


class PlatformError(TrainingError):
    """The runtime environment is inconsistent; not something the data or flags can fix."""

    exit_code = 4
