"""The training kit's loop side: experiments, their registry, and the training loop."""
from .experiment import EXPERIMENTS, Experiment, register

__all__ = ["EXPERIMENTS", "Experiment", "register"]
