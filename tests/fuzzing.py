"""What the two fuzz files (``test_fuzz_bad_inputs.py``, the layers and losses;
``test_fuzz_tensor.py``, the tensor-level functions) share: hypothesis's settings, what a
clear error is, and the check that no case gave a silent result."""
from hypothesis import HealthCheck, Phase, settings

# the errors the library raises for a bad input
CLEAR_ERRORS = (TypeError, ValueError, RuntimeError, IndexError)
# what an error message must never look like: numpy's or Python's internals
INTERNAL = ("ufunc", "could not be broadcast", "cannot reshape array", "has no attribute",
            "not supported between instances", "unsupported operand type", "index out of range",
            "division or modulo by zero", "'NoneType'", "setting an array element",
            "object is not iterable", "object is not subscriptable", "zero-size array",
            "boolean subtract", "Cannot cast", "not callable", "is out of bounds for array",
            "not enough values to unpack", "too many values to unpack", "pad_width",
            "could not convert")


def fuzz(max_examples, shrink=True):
    """hypothesis's settings for a fuzz: the same cases on every run (``derandomize``), no
    deadline; ``shrink=False`` reports a failing case as drawn, without looking for a
    smaller one."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), phases=phases)


def check_clear_error(case, error):
    """``error`` (one of ``CLEAR_ERRORS``) must name the function or layer of ``case`` (one
    of ``case.names``) and not read like numpy's or Python's internals."""
    message = str(error)
    assert any(n.lower() in message.lower() for n in case.names), \
        f"{case}: the error does not name {case.names}: {type(error).__name__}: {message}"
    assert not any(p in message for p in INTERNAL), \
        f"{case}: an internal message: {type(error).__name__}: {message}"


def report(label, figures):
    """Print a fuzz's figures (``pytest -s`` shows them) and check it found no silent
    result."""
    print(f"\n{label}:", dict(figures))
    assert figures["silent results"] == 0
