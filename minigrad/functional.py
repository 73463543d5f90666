"""Tensor-level functions and factories exposed as ``mg.<name>``."""
import numpy as np

from . import random as _random
from .ops import movement
from .devices import check_device
from .tensor import Tensor, DEFAULT_DTYPE, _shape_args, _check_tensors, _matmul, _norm_dim, _KIND_RANK


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``, as ``torch.tensor`` (``Tensor(ndarray)`` itself
    shares the array's memory, like ``torch.from_numpy``)."""
    check_device("tensor", device)
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array):
    """A tensor sharing ``array``'s memory (and dtype), as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Tensor(array)


def _factory(name, make, size, dtype, device, requires_grad):
    check_device(name, device)
    return Tensor(make(_shape_args(size), DEFAULT_DTYPE if dtype is None else dtype),
                  requires_grad=requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _factory("zeros", lambda s, d: np.zeros(s, d), size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _factory("ones", lambda s, d: np.ones(s, d), size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """Uninitialised, as ``torch.empty`` (here: zeros, so nothing undefined is ever read)."""
    return _factory("empty", lambda s, d: np.zeros(s, d), size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int, np.integer)):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64   # as torch.full
    return _factory("full", lambda s, d: np.full(s, fill_value, d), (size,), dtype, device,
                    requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return ones(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return empty(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


def _rng(generator):
    """numpy's generator behind ``generator`` (an ``mg.Generator``), or minigrad's own."""
    return _random.generator() if generator is None else generator.numpy_generator


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from minigrad's generator (see ``mg.manual_seed``), or from
    ``generator``."""
    return _factory("randn", lambda s, d: _rng(generator).standard_normal(s).astype(d),
                    size, dtype, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _factory("rand", lambda s, d: _rng(generator).random(s).astype(d),
                    size, dtype, device, requires_grad)


def randint(low, high=None, size=None, dtype=np.int64, device=None):
    """``randint(high, size)`` or ``randint(low, high, size)``, as ``torch.randint``."""
    if size is None:
        low, high, size = 0, low, high
    check_device("randint", device)
    return Tensor(_random.generator().integers(low, high, size=_shape_args((size,))).astype(dtype))


def randperm(n, dtype=np.int64, device=None):
    check_device("randperm", device)
    return Tensor(_random.generator().permutation(n).astype(dtype))


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Like ``torch.arange``: integer arguments give int64, any float gives float32."""
    check_device("arange", device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else DEFAULT_DTYPE
    return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix (n, m), as ``torch.eye``."""
    return _factory("eye", lambda s, d: np.eye(n, m, dtype=d), (), dtype, device, requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    return rand(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    return randn(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    check_device("linspace", device)
    return Tensor(np.linspace(start, end, steps).astype(dtype or DEFAULT_DTYPE),
                  requires_grad=requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    check_device("logspace", device)
    return Tensor(np.logspace(start, end, steps, base=base).astype(dtype or DEFAULT_DTYPE),
                  requires_grad=requires_grad)


def _tensors(name, tensors):
    """The tensors of cat/stack (numpy arrays are taken as Tensors, a minigrad extension)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not "
                        f"{type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, (Tensor, np.ndarray)):
            raise TypeError(f"{name}(): expected a sequence of Tensors, but element {i} of "
                            f"'tensors' is {type(t).__name__}")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:      # PyTorch's promotion: the highest kind, the widest within it
        rank = sorted(_KIND_RANK.get(d.kind, 3) for d in dtypes)[-1]   # (max is mg.max here)
        top = np.result_type(*[d for d in dtypes if _KIND_RANK.get(d.kind, 3) == rank])
        tensors = [t if t.dtype == top else t.to(top) for t in tensors]
    return tensors


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    tensors = _tensors("cat", tensors)
    if tensors[0].ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    _dim_type(dim, tensors[0].ndim)
    return movement.Cat.apply(*tensors, dim=dim)


def _dim_type(dim, ndim):
    """A dim that is not an int is the one dim checker's TypeError (cat and stack check the
    range themselves, naming themselves)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, (bool, np.bool_)):
        _norm_dim(dim, ndim)


concat = cat


def stack(tensors, dim=0):
    """Stack along a new dim."""
    tensors = _tensors("stack", tensors)
    _dim_type(dim, tensors[0].ndim + 1)
    return movement.Stack.apply(*tensors, dim=dim)


def where(condition, input=None, other=None):
    """Elementwise choice: ``input`` where ``condition`` holds, else ``other``. With the
    condition alone, the indices where it holds (``torch.where(cond)``: one index tensor
    per dim, as ``nonzero(as_tuple=True)``)."""
    if isinstance(condition, Tensor):
        condition = condition._array
    if input is None and other is None:
        return tuple(Tensor.wrap(i, None) for i in np.nonzero(condition))
    for arg, value in (("input", input), ("other", other)):
        if not isinstance(value, (Tensor, int, float, np.ndarray, np.generic, list, tuple)):
            raise TypeError(f"where(): argument '{arg}' must be a Tensor or a number, not "
                            f"{type(value).__name__}")
    # the dtype of the result as for arithmetic (PyTorch: where(c, float32, int64) is float32)
    if isinstance(input, Tensor):
        input, other = input._promoted(other)
    elif isinstance(other, Tensor):
        other, input = other._promoted(input)
    return movement.Where.apply(condition, input, other)


def pad(input, pad, mode="constant", value=None):
    """``F.pad`` for constant padding (the only mode minigrad implements). ``pad`` (a tuple
    or list of ints) gives (before, after) pairs from the last dim backwards; a negative
    entry crops, as in PyTorch. ``value`` None is 0."""
    _check_tensors("pad", (input, "input"))
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be tuple of ints, not {type(pad).__name__}")
    widths = []
    for i, p in enumerate(pad):
        if isinstance(p, Tensor) and p._array.dtype.kind in "iu" and p._array.size == 1:
            p = p.item()
        if not isinstance(p, (int, np.integer)) or isinstance(p, (bool, np.bool_)):
            raise TypeError(f"pad(): argument 'pad' must be tuple of ints, but found element of "
                            f"type {type(p).__name__} at pos {i}")
        widths.append(int(p))
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' must be str, not {type(mode).__name__}")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not implemented, only 'constant'")
    if value is None:
        value = 0
    elif isinstance(value, Tensor) and value._array.size == 1:
        value = value.item()
    if not isinstance(value, (int, float, np.number)) or isinstance(value, np.complexfloating):
        raise TypeError(f"pad(): argument 'value' must be a number, not {type(value).__name__}")
    return movement.Pad.apply(input, pad=tuple(widths), value=value)


def _unary(name):
    def fn(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"Same as ``Tensor.{name}``."
    return fn


exp, log, sqrt, sin, cos, tan, erf, abs, relu, sigmoid, tanh, clamp = (
    _unary(n) for n in ("exp", "log", "sqrt", "sin", "cos", "tan", "erf", "abs", "relu",
                        "sigmoid", "tanh", "clamp"))
topk, sort, argsort, chunk, split, flip, norm, masked_fill = (
    _unary(n) for n in ("topk", "sort", "argsort", "chunk", "split", "flip", "norm",
                        "masked_fill"))
sum, mean, var, std, max, min, argmax, argmin = (
    _unary(n) for n in ("sum", "mean", "var", "std", "max", "min", "argmax", "argmin"))
softmax, log_softmax, reshape, flatten, permute, transpose, squeeze, unsqueeze = (
    _unary(n) for n in ("softmax", "log_softmax", "reshape", "flatten", "permute",
                        "transpose", "squeeze", "unsqueeze"))


# ---- PyTorch's function forms, with ``out=`` ----------------------------------------------------
def _into(name, out, result, same_dtype=False):
    """``out=``: the result written into ``out`` (resized if its shape differs, as PyTorch).
    As in PyTorch, the result may go into a dtype it casts to within its kind or up
    (float32 into float64, int64 into float32), not down a kind (float into int); for
    ``same_dtype`` (the matrix products) only into its own dtype."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if same_dtype and out.dtype != result.dtype:
        raise RuntimeError(f"{name}: expected the out tensor to have dtype {result.dtype}, but "
                           f"got {out.dtype}")
    if not np.can_cast(result.dtype, out.dtype, casting="same_kind"):
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the desired "
                           f"output type {out.dtype}")
    if out.shape == result.shape:
        out.copy_(result)
    else:
        out._array = result._array.astype(out.dtype)
    return out


def add(input, other, *, alpha=1, out=None):
    return _into("add", out, input + (other if alpha == 1 else other * alpha))


def sub(input, other, *, alpha=1, out=None):
    return _into("sub", out, input - (other if alpha == 1 else other * alpha))


def mul(input, other, *, out=None):
    return _into("mul", out, input * other)


def div(input, other, *, out=None):
    return _into("div", out, input / other)


def matmul(input, other, *, out=None):
    return _into("matmul", out, _matmul("matmul", input, other), same_dtype=True)


def mm(input, mat2, *, out=None):
    _check_tensors("mm", (input, "input"), (mat2, "mat2"))
    return _into("mm", out, input.mm(mat2), same_dtype=True)


def bmm(input, mat2, *, out=None):
    _check_tensors("bmm", (input, "input"), (mat2, "mat2"))
    return _into("bmm", out, input.bmm(mat2), same_dtype=True)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(np.asarray(input), np.asarray(other), rtol, atol, equal_nan))


def equal(input, other):
    """True if both have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(np.asarray(input), np.asarray(other)))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


def get_default_dtype():
    return DEFAULT_DTYPE


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple (``x.shape == mg.Size([2, 3])`` compares equal)."""

    def numel(self):
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self):
        return f"minigrad.Size({list(self)})"
