"""Decoupled neural interfaces for recurrent nets: truncated BPTT with synthetic gradients
(Jaderberg et al. 2017). The synthesizer itself is ``tinyaug.nn.SyntheticGradient``."""
from .model import DNIRecurrentModel
from .truncated import StepLoss, TruncatedBPTT, flat_cosine, full_bptt, state_parts

__all__ = ["DNIRecurrentModel", "StepLoss", "TruncatedBPTT", "flat_cosine", "full_bptt", "state_parts"]
