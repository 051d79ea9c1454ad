"""Learning from labels (`journey train`): per-field classifiers over the rules' features, cross-validated and
calibrated, written as a model folder the `learned` extractor loads."""

from .train import TrainingError, TrainSettings, train

__all__ = ["TrainSettings", "TrainingError", "train"]
