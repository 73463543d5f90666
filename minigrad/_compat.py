"""What differs between the numpy versions minigrad supports (``numpy>=1.22``, pyproject.toml).

numpy 2 promotes by dtype alone (NEP 50): a Python number takes the dtype of the array it
meets, and a 0-d array counts like any other. numpy 1.x looks at values instead: a Python
number meeting only 0-d arrays (or numpy scalars) is float64 or int64 -- a 0-d float32 tensor
times 0.5 would come out float64 -- and a 0-d array meeting n-d arrays of the same kind is
ignored -- float32[3] * float64[] would stay float32. ``nep50`` casts the operands of one
numpy computation so that numpy 1.x picks the dtype numpy 2 does; under numpy 2 it returns
them as they are.
"""
import numpy as np

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def nep50(*operands):
    """``operands`` (arrays, numpy scalars, Python numbers, None) for one numpy call, cast so
    that numpy 1.x gives the result dtype numpy 2 gives: Python numbers of a kind the arrays
    hold become 0-d arrays of the arrays' dtype, and if numpy 1.x would then still narrow the
    result by value (a wider 0-d operand), the n-d arrays are widened to numpy 2's dtype."""
    if NUMPY2:
        return operands
    arrays = [x for x in operands if isinstance(x, (np.ndarray, np.generic))]
    if not arrays:
        return operands
    dtype = np.result_type(*[a.dtype for a in arrays])         # by dtype alone, as numpy 2
    out = tuple(_weak(x, dtype) for x in operands)
    if np.result_type(*[x for x in out if isinstance(x, (np.ndarray, np.generic))]) != dtype:
        out = tuple(x.astype(dtype) if isinstance(x, np.ndarray) and x.dtype != dtype else x
                    for x in out)
    return out


def _weak(x, dtype):
    """A Python number as NEP 50 treats it next to arrays of ``dtype``: of that dtype when its
    kind fits (a bool anywhere, an int in an integer or floating dtype, a float in a floating
    one); anything else unchanged."""
    kind = dtype.kind
    if type(x) is bool and kind in "biufc" or type(x) is float and kind in "fc" \
            or type(x) is int and (kind in "fc" or kind in "iu" and np.can_cast(x, dtype)):
        return np.asarray(x, dtype)
    return x
