"""The Neural Programmer (Neelakantan, Le & Sutskever 2015): an arithmetic variant and the
table question-answering model of the paper."""
from .arithmetic import ARITHMETIC_OPERATIONS, ArithmeticProgrammer
from .operations import OPERATIONS

__all__ = ["ARITHMETIC_OPERATIONS", "ArithmeticProgrammer", "OPERATIONS"]
