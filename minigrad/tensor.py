"""Tensor: a numpy array, the op that made it, and ``backward()``.

A Tensor produced by an op remembers that op's ``Context`` (``grad_fn``): the Function
class, its input Tensors and what its forward saved. ``backward()`` hands the graph to
``minigrad/autograd/graph.py``, which walks it from the output to the leaves calling each
Function's ``backward``; leaf tensors that require grad accumulate the result in ``.grad``
across calls, as in PyTorch.

The operators and methods below are one-liners: each names the Function in
``minigrad/ops/`` whose ``backward`` computes its gradient.
"""
import weakref

import numpy as np

# Float data without an explicit dtype becomes float32 (PyTorch's default dtype).
DEFAULT_DTYPE = np.float32


def _as_array(data, dtype=None):
    """numpy array for ``data``: Python floats become float32, ints int64, numpy arrays keep
    their dtype (as ``torch.tensor(ndarray)`` does); ``dtype`` overrides."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        arr = data
    else:
        arr = np.asarray(data)
        if arr.dtype == np.float64 and dtype is None:
            arr = arr.astype(DEFAULT_DTYPE)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.dtype == object:
        raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} with object dtype")
    return arr


# Kinds of dtype in PyTorch's promotion order: a binary op's result takes the higher kind.
_BOOL, _INT, _FLOAT, _OTHER = range(4)
_KIND_RANK = {"b": _BOOL, "u": _INT, "i": _INT, "f": _FLOAT}


def _kind_rank(x):
    """Promotion kind of a Tensor or a Python scalar operand."""
    if isinstance(x, Tensor):
        return _KIND_RANK.get(x.data.dtype.kind, _OTHER)
    if isinstance(x, bool):
        return _BOOL
    return _INT if isinstance(x, int) else _FLOAT


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise RuntimeError(
                f"Tensor: only floating point tensors can require gradients, got dtype {self.data.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None

    @classmethod
    def _from_op(cls, data, ctx):
        """Wrap an op's output array without the checks of ``__init__`` (hot path)."""
        t = object.__new__(Tensor)
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t.requires_grad = ctx is not None
        t.grad_fn = ctx
        return t

    # ---- plain properties -------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self):
        return self.data

    def __array__(self, dtype=None, copy=None):
        if copy:   # np.array(t) asks for a copy (numpy >= 2 passes copy=True); asarray does not
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only a one-element tensor can be converted to a Python "
                             f"scalar, this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A new leaf sharing the same data, cut off from the graph."""
        return Tensor._from_op(self.data, None)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            if requires_grad:
                return self            # it already requires grad, as PyTorch allows
            raise RuntimeError("requires_grad_(False): only leaf tensors can stop requiring "
                               "grad; use detach() to cut a tensor from the graph")
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise RuntimeError(f"only floating point tensors can require gradients, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Ask a non-leaf tensor to keep its ``.grad`` after backward (leaves always do)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): tensor does not require grad")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def long(self):
        return self.to(np.int64)

    def to(self, dtype):
        """Cast to ``dtype`` (differentiable between float dtypes; an integer or bool result
        is cut from the graph, as only float tensors can require grad)."""
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            return Tensor._from_op(self.data.astype(dtype), None)
        return ops.elementwise.Cast.apply(self, dtype=dtype)

    type = to

    def clone(self):
        return ops.elementwise.Cast.apply(self, dtype=self.dtype, copy=True)

    def zero_(self):
        self.data[...] = 0
        return self

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self.data.dtype != DEFAULT_DTYPE and self.data.dtype != np.int64:
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__  # __eq__ is elementwise, so hash by identity as PyTorch does

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    # ---- autograd -----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. every leaf that requires grad and add
        it to their ``.grad`` (only to ``inputs``, when given). ``gradient`` is the upstream
        gradient (dL/dself); it may be omitted only for a one-element tensor. With
        ``create_graph=True`` the backward pass is itself recorded, so ``.grad`` holds a
        Tensor with a ``grad_fn`` that can be differentiated again; ``retain_graph``
        defaults to ``create_graph``. The walk is ``minigrad/autograd/graph.py``."""
        _graph.backward((self,), None if gradient is None else (gradient,), retain_graph,
                       create_graph, inputs)

    # ---- operators: each is one op in minigrad/ops ----------------------------------------
    def _operand(self, other):
        """Right operand of a binary op: Tensors pass, Python scalars stay scalars (so
        float32 stays float32), numpy arrays become Tensors of this tensor's float dtype."""
        if isinstance(other, Tensor) or (isinstance(other, (int, float, bool))
                                         and not isinstance(other, np.generic)):
            return other   # np.float64 subclasses float but would promote float32 to float64
        arr = np.asarray(other)
        if np.issubdtype(self.dtype, np.floating) and arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        return Tensor._from_op(arr, None)

    def _promoted(self, other, true_division=False):
        """``self`` and the right operand of an arithmetic op, cast the way PyTorch promotes
        types where numpy would differ. When one side is floating and the other integer
        or bool, the integer side takes the floating dtype -- a Python float meets an
        integer tensor as float32, the default dtype (numpy: float64), and an int64
        tensor meets a float32 tensor as float32 (numpy: float64). Likewise bool meets
        integer as the integer dtype. With ``true_division``, integers divide as float32
        (numpy: float64). Operands of the same kind keep numpy's rules."""
        other = self._operand(other)
        if self.data.dtype.kind == "f" and (       # the common case, kept fast
                type(other) in (float, int) or (type(other) is Tensor and other.data.dtype.kind == "f")):
            return self, other
        ra, rb = _kind_rank(self), _kind_rank(other)
        a = self
        if ra > rb and isinstance(other, Tensor):
            other = other.to(self.dtype)
        elif rb > ra:
            a = self.to(other.dtype if isinstance(other, Tensor)
                        else DEFAULT_DTYPE if rb == _FLOAT else np.int64)
        if true_division and max(ra, rb) < _FLOAT:
            a = a.to(DEFAULT_DTYPE)
            other = other.to(DEFAULT_DTYPE) if isinstance(other, Tensor) else other
        return a, other

    def __add__(self, other):
        return ops.elementwise.Add.apply(*self._promoted(other))

    def __radd__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.Add.apply(b, a)

    def __sub__(self, other):
        return ops.elementwise.Sub.apply(*self._promoted(other))

    def __rsub__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.Sub.apply(b, a)

    def __mul__(self, other):
        return ops.elementwise.Mul.apply(*self._promoted(other))

    def __rmul__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.Mul.apply(b, a)

    def __truediv__(self, other):
        return ops.elementwise.Div.apply(*self._promoted(other, true_division=True))

    def __rtruediv__(self, other):
        a, b = self._promoted(other, true_division=True)
        return ops.elementwise.Div.apply(b, a)

    def __pow__(self, other):
        return ops.elementwise.Pow.apply(*self._promoted(other))

    def __rpow__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.Pow.apply(b, a)

    def __matmul__(self, other):
        return ops.matmul.MatMul.apply(self, self._operand(other))

    def __rmatmul__(self, other):
        return ops.matmul.MatMul.apply(self._operand(other), self)

    def __neg__(self):
        return ops.elementwise.Neg.apply(self)

    def __pos__(self):
        return self

    def __iadd__(self, other):
        raise RuntimeError("in-place operators on tensors are not supported by minigrad's "
                           "autograd; write x = x + y (or update x.data for a parameter step)")

    __isub__ = __imul__ = __itruediv__ = __iadd__

    # comparisons: non-differentiable boolean tensors
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._from_op(op(self.data, other), None)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __getitem__(self, index):
        return ops.movement.Index.apply(self, index=_unwrap_index(index))

    def __setitem__(self, index, value):
        raise RuntimeError("in-place assignment into a tensor is not supported by minigrad's "
                           "autograd; build the result with mg.where or mg.cat, or edit .data directly")

    # elementwise math
    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__

    def exp(self):
        return ops.elementwise.Exp.apply(self)

    def log(self):
        return ops.elementwise.Log.apply(self)

    def sqrt(self):
        return ops.elementwise.Sqrt.apply(self)

    def sin(self):
        return ops.elementwise.Sin.apply(self)

    def cos(self):
        return ops.elementwise.Cos.apply(self)

    def abs(self):
        return ops.elementwise.Abs.apply(self)

    def relu(self):
        return ops.elementwise.ReLU.apply(self)

    def sigmoid(self):
        return ops.elementwise.Sigmoid.apply(self)

    def tanh(self):
        return ops.elementwise.Tanh.apply(self)

    def clamp(self, min=None, max=None):
        return ops.elementwise.Clamp.apply(self, min=min, max=max)

    clip = clamp

    # reductions
    def sum(self, dim=None, keepdim=False):
        return ops.reduce.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.reduce.Mean.apply(self, dim=dim, keepdim=keepdim)

    def var(self, dim=None, keepdim=False, unbiased=True, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        return ops.reduce.Var.apply(self, dim=dim, keepdim=keepdim, correction=correction)

    def std(self, dim=None, keepdim=False, unbiased=True, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        return ops.reduce.Std.apply(self, dim=dim, keepdim=keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        """``x.max()`` is a tensor; ``x.max(dim)`` is ``(values, indices)`` as in PyTorch.
        With ``dim`` the gradient goes to one index per slice (the first maximum); ``x.max()``
        splits it evenly between tied maxima, as PyTorch does."""
        return ops.reduce.max_or_min(self, dim, keepdim, largest=True)

    def min(self, dim=None, keepdim=False):
        return ops.reduce.max_or_min(self, dim, keepdim, largest=False)

    def argmax(self, dim=None, keepdim=False):
        return Tensor._from_op(_arg_reduce(np.argmax, self.data, dim, keepdim), None)

    def argmin(self, dim=None, keepdim=False):
        return Tensor._from_op(_arg_reduce(np.argmin, self.data, dim, keepdim), None)

    def softmax(self, dim):
        return ops.reduce.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim):
        return ops.reduce.LogSoftmax.apply(self, dim=dim)

    # shape and movement
    def reshape(self, *shape):
        shape = _shape_args(shape)
        return ops.movement.Reshape.apply(self, shape=shape)

    def view(self, *shape):
        """Same as ``reshape`` (numpy decides whether it copies; PyTorch would refuse a
        non-contiguous view)."""
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _norm_dim(start_dim, self.ndim), _norm_dim(end_dim, self.ndim)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {self.shape}")
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def permute(self, *dims):
        dims = tuple(_norm_dim(d, self.ndim) for d in _shape_args(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise ValueError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                             f"dims of a tensor of shape {self.shape}")
        return ops.movement.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        d0, d1 = _norm_dim(dim0, self.ndim), _norm_dim(dim1, self.ndim)
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return ops.movement.Permute.apply(self, dims=tuple(dims))

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dims, got shape {self.shape}")
        return self.transpose(0, 1) if self.ndim == 2 else self

    def squeeze(self, dim=None):
        if dim is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            dims = {_norm_dim(d, self.ndim) for d in (dim if isinstance(dim, tuple) else (dim,))}
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1))
        return self.reshape(shape)

    def unsqueeze(self, dim):
        dim = _norm_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def expand(self, *sizes):
        sizes = _shape_args(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"expand: the number of sizes {len(sizes)} must be >= the number "
                             f"of dims {self.ndim} of shape {self.shape}")
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if (s == -1 and i >= lead) else s
                      for i, s in enumerate(sizes))
        return ops.movement.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)


def _norm_dim(dim, ndim):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"dimension {dim} is out of range for a tensor with {ndim} dims")
    return dim % max(ndim, 1)


def _shape_args(args):
    """Accept ``f(2, 3)`` as well as ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _arg_reduce(fn, data, dim, keepdim):
    if dim is None:
        return np.asarray(fn(data))
    out = fn(data, axis=dim)
    return np.expand_dims(out, dim) if keepdim else out


def _unwrap_index(index):
    """Tensors inside an index are used through their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


from . import ops  # noqa: E402  (ops need Tensor defined; Tensor methods need ops at call time)
from .autograd import graph as _graph  # noqa: E402  (the walk needs Tensor defined too)
