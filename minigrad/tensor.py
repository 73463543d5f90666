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
        data = data._array
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


class _Omitted:
    """The default of an argument that PyTorch allows to be left out but not to be None
    (``max``'s ``dim``): a None default could not tell ``x.max(None)`` from ``x.max()``."""

    def __repr__(self):
        return "<omitted>"


_OMITTED = _Omitted()


def _kind_rank(x):
    """Promotion kind of a Tensor or a Python scalar operand."""
    if isinstance(x, Tensor):
        return _KIND_RANK.get(x._array.dtype.kind, _OTHER)
    if isinstance(x, bool):
        return _BOOL
    return _INT if isinstance(x, int) else _FLOAT


class Tensor:
    __slots__ = ("_array", "grad", "requires_grad", "grad_fn", "_node", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        self._array = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(self._array.dtype, np.floating):
            raise RuntimeError(
                f"Tensor: only floating point tensors can require gradients, got dtype {self._array.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self._node = None         # a leaf's AccumulateGrad node, made when first asked for

    @classmethod
    def wrap(cls, data, grad_fn=None):
        """A Tensor around ``data`` (a numpy array, not copied, not checked): how an op hands
        back its result. ``grad_fn`` is the graph node that made it (the op's ``Context``),
        or None for a constant. The constructor ``Tensor(data)`` converts and checks its
        input and never records; this is the fast path for code that made the array itself.
        (PyTorch has no public equivalent: its ops are written in C++.)"""
        t = object.__new__(Tensor)
        t._array = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t.requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t._node = None
        return t

    # ---- .data, as in PyTorch ----------------------------------------------------------
    @property
    def data(self):
        """The values as a new Tensor sharing this one's memory, outside autograd (no
        ``grad_fn``, not requiring grad), as PyTorch's ``.data``: ``p.data -= lr * p.grad``
        updates ``p`` in place, ``out.data.max(1)`` reads without recording. The numpy
        array itself is ``t.numpy()``. (Unlike PyTorch, an in-place change through ``.data``
        of values a graph saved for backward is caught there, as through ``detach()``.)"""
        return Tensor.wrap(self._array, None)

    @data.setter
    def data(self, value):
        self._array = value._array if isinstance(value, Tensor) else _as_array(value)

    # ---- plain properties -------------------------------------------------------------
    @property
    def shape(self):
        return self._array.shape

    @property
    def ndim(self):
        return self._array.ndim

    @property
    def dtype(self):
        return self._array.dtype

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        if dim is None:
            return self._array.shape
        dim = _norm_dim(dim, self.ndim)
        if self.ndim == 0:
            raise IndexError("size(): dimension specified as 0 but the tensor has no dimensions")
        return self._array.shape[dim]

    def numel(self):
        return self._array.size

    def dim(self):
        return self._array.ndim

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def numpy(self):
        return self._array

    def __array__(self, dtype=None, copy=None):
        if copy:   # np.array(t) asks for a copy (numpy >= 2 passes copy=True); asarray does not
            return np.array(self._array, dtype=dtype, copy=True)
        return self._array if dtype is None else self._array.astype(dtype, copy=False)

    def item(self):
        if self._array.size != 1:
            raise ValueError(f"item(): only a one-element tensor can be converted to a Python "
                             f"scalar, this one has shape {self.shape}")
        return self._array.item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        """A one-element integer tensor used as an index (``lst[t]``, ``range(t)``)."""
        if self._array.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index, got dtype {self.dtype} and shape {self.shape}")
        return int(self.item())

    def __format__(self, spec):
        """``f"{loss:.4f}"`` formats a one-element tensor as its number, as PyTorch."""
        if self._array.size == 1 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def tolist(self):
        return self._array.tolist()

    def detach(self):
        """A new leaf sharing the same data, cut off from the graph."""
        return Tensor.wrap(self._array, None)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            if requires_grad:
                return self            # it already requires grad, as PyTorch allows
            raise RuntimeError("requires_grad_(False): only leaf tensors can stop requiring "
                               "grad; use detach() to cut a tensor from the graph")
        if requires_grad and not np.issubdtype(self._array.dtype, np.floating):
            raise RuntimeError(f"only floating point tensors can require gradients, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient has been computed, in backward and
        grad; it may return a Tensor to use instead. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                               "require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn.__dict__.setdefault("tensor_hooks", {})
        else:
            from .autograd.function import _accumulator
            hooks = _accumulator(self).hooks
        key = object()
        hooks[key] = hook
        return _RemovableHandle(hooks, key)

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

    def half(self):
        return self.to(np.float16)

    def int(self):
        return self.to(np.int32)

    def bool(self):
        return self.to(np.bool_)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)`` (other's dtype), keywords too. Casting is differentiable between float
        dtypes; an integer or bool result is cut from the graph, as only float tensors can
        require grad. The device must be the CPU (``minigrad/devices.py``)."""
        dtype = _device.to_arguments("Tensor.to", args, dtype, device)
        if dtype is None:
            return self.clone() if copy else self
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            return Tensor.wrap(self._array.astype(dtype), None)
        return ops.elementwise.Cast.apply(self, dtype=dtype, copy=copy)

    def type(self, dtype=None):
        """The cast ``to(dtype)``; without a dtype, the type's name (as PyTorch's
        ``'torch.FloatTensor'``, here the numpy dtype's name)."""
        return str(self.dtype) if dtype is None else self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    @property
    def device(self):
        return _device.CPU

    is_cuda = False

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        _device.check_device("Tensor.cuda", "cuda" if device is None else device)

    def contiguous(self):
        """This tensor (a copy if its array is not C-contiguous), as PyTorch."""
        if self._array.flags.c_contiguous:
            return self
        return ops.elementwise.Cast.apply(self, dtype=self.dtype, copy=True, order="C")

    def clone(self):
        return ops.elementwise.Cast.apply(self, dtype=self.dtype, copy=True)

    # ---- in-place ops: see _inplace -----------------------------------------------------
    def add_(self, other, alpha=1):
        return self._inplace("add_", lambda: self + (other if alpha == 1 else other * alpha))

    def sub_(self, other, alpha=1):
        return self._inplace("sub_", lambda: self - (other if alpha == 1 else other * alpha))

    def mul_(self, other):
        return self._inplace("mul_", lambda: self * other)

    def div_(self, other):
        return self._inplace("div_", lambda: self / other)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", lambda: self.clamp(min, max))

    clip_ = clamp_

    def relu_(self):
        return self._inplace("relu_", lambda: self.relu())

    def fill_(self, value):
        """Every element set to ``value`` (a number or a one-element Tensor)."""
        if isinstance(value, Tensor):
            value = value.to(self.dtype) if value.dtype != self.dtype else value
        else:
            value = np.asarray(value).astype(self.dtype)
        return self._inplace("fill_", lambda: self._replaced_by(value))

    def _replaced_by(self, values):
        """``values`` (broadcast to this shape) as the recordable result of an in-place op
        that overwrites every element: the gradient goes to ``values``, none to ``self``."""
        return ops.movement.Where.apply(np.True_, values, self)

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        """``src``'s values (broadcast to this shape, cast to this dtype) written into this
        tensor; the gradient flows to ``src``."""
        if not isinstance(src, Tensor):
            src = Tensor(_as_array(src, self.dtype))
        return self._inplace("copy_", lambda: self._replaced_by(
            src.to(self.dtype) if src.dtype != self.dtype else src))

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def _inplace(self, name, compute):
        """An in-place op, PyTorch's rules. ``compute()`` gives the result out of place.

        * On a leaf that requires grad, while grad mode is on: an error (PyTorch's), since
          the leaf's gradient would no longer mean anything; parameter updates run under
          ``no_grad``.
        * When the op is not recorded (grad mode off, or nothing requires grad) the result
          is written into this tensor's array -- every view and ``.data`` alias sees it --
          and the array's version goes up: a graph that saved the old values refuses to use
          them in backward (``autograd/function.py``), never a silently wrong gradient.
        * When it is recorded, the tensor takes on the result and its ``grad_fn``, as
          PyTorch rebases a tensor's history; the old values stay where the graph saved
          them. (Difference from PyTorch: views and ``.data`` aliases taken before then keep
          the old values.)
        """
        if self.requires_grad and self.grad_fn is None and _grad_mode.enabled:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation; update it under mg.no_grad() (as optimizers "
                               "do) or use the out-of-place op (x = x + y)")
        out = compute()
        if out.shape != self.shape:
            raise RuntimeError(f"{name}: the result has shape {out.shape}, which cannot be "
                               f"written into a tensor of shape {self.shape} in place")
        if out.grad_fn is not None:
            if out.dtype != self.dtype:
                out = out.to(self.dtype)
            self._array, self.grad_fn, self.requires_grad = out._array, out.grad_fn, True
            return self
        try:
            np.copyto(self._array, out._array, casting="same_kind")
        except TypeError:
            raise RuntimeError(f"{name}: result type {out.dtype} can't be cast to the desired "
                               f"output type {self.dtype}") from None
        except ValueError as e:   # a read-only array (a broadcast view, MNIST's shared data)
            raise RuntimeError(f"{name}: cannot write into this tensor in place ({e}); "
                               "use the out-of-place op, or .clone() it first") from None
        _bump_version(self._array)
        return self

    def __repr__(self):
        body = np.array2string(self._array, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self._array.dtype != DEFAULT_DTYPE and self._array.dtype != np.int64:
            extra += f", dtype={self._array.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__  # __eq__ is elementwise, so hash by identity as PyTorch does

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._array.size} elements is ambiguous")
        return bool(self._array)

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
        if not isinstance(other, (np.ndarray, np.generic, list, tuple)):
            raise TypeError(f"Tensor arithmetic: the other operand must be a Tensor, a number or "
                            f"an array, not {_type_name(other)}")
        arr = np.asarray(other)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Tensor arithmetic: the other operand must hold numbers, got "
                            f"{_type_name(other)} of dtype {arr.dtype}")
        if np.issubdtype(self.dtype, np.floating) and arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        return Tensor.wrap(arr, None)

    def _promoted(self, other, true_division=False):
        """``self`` and the right operand of an arithmetic op, cast the way PyTorch promotes
        types where numpy would differ. When one side is floating and the other integer
        or bool, the integer side takes the floating dtype -- a Python float meets an
        integer tensor as float32, the default dtype (numpy: float64), and an int64
        tensor meets a float32 tensor as float32 (numpy: float64). Likewise bool meets
        integer as the integer dtype. With ``true_division``, integers divide as float32
        (numpy: float64). Operands of the same kind keep numpy's rules."""
        other = self._operand(other)
        if self._array.dtype.kind == "f" and (       # the common case, kept fast
                type(other) in (float, int) or (type(other) is Tensor and other._array.dtype.kind == "f")):
            if type(other) is Tensor and other._array.dtype != self._array.dtype and \
                    (other._array.ndim == 0) != (self._array.ndim == 0):
                # as PyTorch: a 0-d tensor of the same kind takes the other's dtype (numpy:
                # float32 + 0-d float64 is float64)
                if other._array.ndim == 0:
                    return self, other.to(self.dtype)
                return self.to(other.dtype), other
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
        self._no_bool_sub()
        return ops.elementwise.Sub.apply(*self._promoted(other))

    def __rsub__(self, other):
        self._no_bool_sub()
        a, b = self._promoted(other)
        return ops.elementwise.Sub.apply(b, a)

    def _no_bool_sub(self):
        """PyTorch refuses ``-`` with a bool tensor (numpy's error for two bools is about
        its internals; with a number it would compute). Refused here when the bool tensor is
        the one subtracted from, or a bool tensor is subtracted from a number; a bool tensor
        subtracted from a number tensor is promoted (the losses subtract bool targets)."""
        if self._array.dtype == np.bool_:
            raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not "
                               "supported; to invert a mask use `~` or logical_not()")

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

    def __mod__(self, other):
        return ops.elementwise.Remainder.apply(*_int_divisor("remainder", *self._promoted(other)))

    def __rmod__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.Remainder.apply(*_int_divisor("remainder", b, a))

    def __floordiv__(self, other):
        return ops.elementwise.FloorDivide.apply(*_int_divisor("floor_divide",
                                                               *self._promoted(other)))

    def __rfloordiv__(self, other):
        a, b = self._promoted(other)
        return ops.elementwise.FloorDivide.apply(*_int_divisor("floor_divide", b, a))

    remainder = __mod__
    floor_divide = __floordiv__

    def __matmul__(self, other):
        return _matmul("matmul", self, other)

    def __rmatmul__(self, other):
        return _matmul("matmul", other, self)

    def __neg__(self):
        return ops.elementwise.Neg.apply(self)

    def __pos__(self):
        return self

    # comparisons: non-differentiable boolean tensors
    def _compare(self, other, op):
        other = other._array if isinstance(other, Tensor) else other
        return Tensor.wrap(op(self._array, other), None)

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
        """``t[index] = value``, an in-place op (see ``_inplace``); recorded, the gradient
        flows to ``value`` at ``index`` and to ``t`` everywhere else."""
        index = _unwrap_index(index)
        if not isinstance(value, Tensor):
            value = Tensor(_as_array(value, self.dtype))
        self._inplace("__setitem__", lambda: ops.movement.IndexPut.apply(
            self, value.to(self.dtype) if value.dtype != self.dtype else value, index=index))

    # elementwise math
    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    matmul = __matmul__
    neg = __neg__

    def exp(self):
        return ops.elementwise.Exp.apply(self._floating("exp"))

    def log(self):
        return ops.elementwise.Log.apply(self._floating("log"))

    def sqrt(self):
        return ops.elementwise.Sqrt.apply(self._floating("sqrt"))

    def sin(self):
        return ops.elementwise.Sin.apply(self._floating("sin"))

    def tan(self):
        return ops.elementwise.Tan.apply(self._floating("tan"))

    def erf(self):
        return ops.elementwise.Erf.apply(self._floating("erf"))

    def cos(self):
        return ops.elementwise.Cos.apply(self._floating("cos"))

    def abs(self):
        return ops.elementwise.Abs.apply(self)

    def relu(self):
        return ops.elementwise.ReLU.apply(self)

    def sigmoid(self):
        return ops.elementwise.Sigmoid.apply(self._floating("sigmoid"))

    def tanh(self):
        return ops.elementwise.Tanh.apply(self._floating("tanh"))

    def clamp(self, min=None, max=None):
        x = self
        if self._array.dtype.kind in "iub" and any(
                isinstance(b, float) or (isinstance(b, Tensor) and b._array.dtype.kind == "f")
                for b in (min, max)):
            x = self.to(DEFAULT_DTYPE)      # as PyTorch: an int tensor clamped to 1.5 is float
        return ops.elementwise.Clamp.apply(x, min=min, max=max)

    clip = clamp

    # reductions
    def sum(self, dim=None, keepdim=False):
        return ops.reduce.Sum.apply(self, dim=_all_if_empty(dim), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        if self._array.dtype.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be a "
                               f"floating point dtype, got {self.dtype} (use t.float().mean())")
        return ops.reduce.Mean.apply(self, dim=_all_if_empty(dim), keepdim=keepdim)

    def var(self, dim=None, keepdim=False, unbiased=True, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        self._float_only("var", "std and var only support floating point dtypes")
        return ops.reduce.Var.apply(self, dim=_all_if_empty(dim), keepdim=keepdim,
                                    correction=correction)

    def std(self, dim=None, keepdim=False, unbiased=True, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        self._float_only("std", "std and var only support floating point dtypes")
        return ops.reduce.Std.apply(self, dim=_all_if_empty(dim), keepdim=keepdim,
                                    correction=correction)

    def max(self, dim=_OMITTED, keepdim=_OMITTED):
        """``x.max()`` is a tensor; ``x.max(dim)`` is ``(values, indices)`` as in PyTorch.
        With ``dim`` the gradient goes to one index per slice (the first maximum); ``x.max()``
        splits it evenly between tied maxima, as PyTorch does. As in PyTorch, ``dim`` is an
        int: ``x.max(None)`` and a ``keepdim`` without ``dim`` are errors."""
        return self._max_or_min("max", dim, keepdim, largest=True)

    def min(self, dim=_OMITTED, keepdim=_OMITTED):
        """``x.min()`` is a tensor; ``x.min(dim)`` is ``(values, indices)``; see ``max``."""
        return self._max_or_min("min", dim, keepdim, largest=False)

    def _max_or_min(self, name, dim, keepdim, largest):
        if dim is _OMITTED:
            if keepdim is not _OMITTED:
                raise TypeError(f"{name}(): keepdim needs a dim, as in PyTorch: "
                                f"x.{name}(dim, keepdim=True)")
            return ops.reduce.max_or_min(self, None, False, largest)
        if dim is None:
            raise TypeError(f"{name}(): argument 'dim' must be int, not None (PyTorch raises "
                            f"too); x.{name}() is the {name}imum of all elements")
        keepdim = False if keepdim is _OMITTED else keepdim
        if self.ndim == 0:
            return self._as_1d(name, dim, lambda x: x._max_or_min(name, 0, keepdim, largest))
        return ops.reduce.max_or_min(self, dim, keepdim, largest)

    def _as_1d(self, name, dim, op):
        """An op over ``dim`` of a 0-d tensor, which PyTorch allows for dim 0 or -1 (the one
        element is its own max, sort...): ``op`` of it as 1-D, results back to 0-d."""
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{name}(): dim must be an int, got {dim!r}")
        _norm_dim(dim, 0)
        out = op(self.reshape(1))
        if isinstance(out, tuple):
            return type(out)(*(t.reshape(()) for t in out))
        return out.reshape(())

    def argmax(self, dim=None, keepdim=False):
        if self._array.dtype == np.bool_:
            raise RuntimeError("argmax(): does not support bool input (PyTorch neither)")
        return Tensor.wrap(_arg_reduce(np.argmax, self._array, dim, keepdim), None)

    def argmin(self, dim=None, keepdim=False):
        if self._array.dtype == np.bool_:
            raise RuntimeError("argmin(): does not support bool input (PyTorch neither)")
        return Tensor.wrap(_arg_reduce(np.argmin, self._array, dim, keepdim), None)

    def softmax(self, dim):
        _norm_dim(dim, self.ndim)
        self._float_only("softmax")
        return ops.reduce.Softmax.apply(self, dim=dim) if self._array.size else self

    def log_softmax(self, dim):
        _norm_dim(dim, self.ndim)
        self._float_only("log_softmax")
        return ops.reduce.LogSoftmax.apply(self, dim=dim) if self._array.size else self

    def _floating(self, name):
        """Integer and bool inputs of a floating-point function are promoted to the default
        float dtype (float32), as PyTorch does; complex is refused."""
        kind = self._array.dtype.kind
        if kind in "iub":
            return self.to(DEFAULT_DTYPE)
        if kind != "f":
            raise TypeError(f"{name}: not implemented for dtype {self.dtype}")
        return self

    def _float_only(self, name, why=None):
        if self._array.dtype.kind != "f":
            if why:              # PyTorch's RuntimeError
                raise RuntimeError(f"{name}: {why}, got dtype {self.dtype}")
            raise TypeError(f"{name}: expected a floating point tensor, got dtype {self.dtype}")

    # shape and movement
    def reshape(self, *shape):
        if not shape:       # (a 0-d shape is given as reshape(()), as in PyTorch)
            raise TypeError("reshape() missing 1 required positional argument: 'shape'")
        shape = _check_shape("reshape", _shape_args(shape), allow_minus_one=True)
        return ops.movement.Reshape.apply(self, shape=shape)

    def view(self, *shape):
        """Same as ``reshape`` (numpy decides whether it copies; PyTorch would refuse a
        non-contiguous view)."""
        if not shape:
            raise TypeError("view() missing 1 required positional argument: 'shape'")
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            _norm_dim(start_dim, 0, "start_dim"), _norm_dim(end_dim, 0, "end_dim")
            return self.reshape(1)
        start, end = _norm_dim(start_dim, self.ndim), _norm_dim(end_dim, self.ndim)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {self.shape}")
        # the size given, not -1: with an empty dim elsewhere -1 would be ambiguous
        shape = self.shape[:start] + (int(np.prod(self.shape[start:end + 1])),) + self.shape[end + 1:]
        return self.reshape(shape)

    def permute(self, *dims):
        dims = tuple(_norm_dim(d, self.ndim) for d in _shape_args(dims))
        if sorted(dims) != list(range(self.ndim)):     # (a repeated dim included)
            raise ValueError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                             f"dims of a tensor of shape {self.shape}")
        return ops.movement.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        if self.ndim == 0:          # PyTorch allows dims 0 and -1 here
            _norm_dim(dim0, 0), _norm_dim(dim1, 0)
            return ops.movement.Permute.apply(self, dims=())
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
            dims = _norm_dims(dim, self.ndim)
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1))
        return self.reshape(shape)

    def unsqueeze(self, dim):
        dim = _norm_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def expand(self, *sizes):
        sizes = _check_shape("expand", _shape_args(sizes), allow_minus_one=True, any_minus_one=True)
        if len(sizes) < self.ndim:
            raise ValueError(f"expand: the number of sizes {len(sizes)} must be >= the number "
                             f"of dims {self.ndim} of shape {self.shape}")
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if (s == -1 and i >= lead) else s
                      for i, s in enumerate(sizes))
        return ops.movement.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    # ---- more of PyTorch's Tensor methods ------------------------------------------------
    def all(self, dim=None, keepdim=False):
        return Tensor.wrap(_bool_reduce(np.all, self._array, dim, keepdim), None)

    def any(self, dim=None, keepdim=False):
        return Tensor.wrap(_bool_reduce(np.any, self._array, dim, keepdim), None)

    def nonzero(self, as_tuple=False):
        idx = np.nonzero(self._array)
        if as_tuple:
            return tuple(Tensor.wrap(i, None) for i in idx)
        return Tensor.wrap(np.stack(idx, axis=1) if idx else np.zeros((1, 0), np.int64), None)

    def mm(self, mat2):
        _check_tensors("mm", (self, "input"), (mat2, "mat2"))
        if self.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f"mm: expected two 2-D tensors, got shapes {self.shape} and "
                               f"{mat2.shape}")
        if self.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                               f"({self.shape[0]}x{self.shape[1]} and "
                               f"{mat2.shape[0]}x{mat2.shape[1]})")
        return _matmul("mm", self, mat2)

    def bmm(self, mat2):
        _check_tensors("bmm", (self, "input"), (mat2, "mat2"))
        if self.ndim != 3 or mat2.ndim != 3 or self.shape[0] != mat2.shape[0]:
            raise RuntimeError(f"bmm: expected two 3-D tensors with the same batch size, got "
                               f"shapes {self.shape} and {mat2.shape}")
        if self.shape[2] != mat2.shape[1]:
            raise RuntimeError(f"bmm: batch1 and batch2 shapes cannot be multiplied "
                               f"({self.shape} and {mat2.shape})")
        return _matmul("bmm", self, mat2)

    def is_floating_point(self):
        return self._array.dtype.kind == "f"

    def cumsum(self, dim):
        if self.ndim == 0:
            return self._as_1d("cumsum", dim, lambda x: x.cumsum(0))
        return ops.reduce.Cumsum.apply(self, dim=_norm_dim(dim, self.ndim))

    def new_tensor(self, data, dtype=None, requires_grad=False):
        arr = _as_array(data._array if isinstance(data, Tensor) else data, dtype or self.dtype)
        return Tensor(np.array(arr, copy=True), requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return Tensor(np.zeros(_shape_args(size), dtype or self.dtype), requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return Tensor(np.ones(_shape_args(size), dtype or self.dtype), requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        return Tensor(np.full(_shape_args((size,)), fill_value, dtype or self.dtype),
                      requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._fill_random("uniform_", lambda rng: rng.uniform(a, b, self.shape), generator)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._fill_random("normal_", lambda rng: rng.normal(mean, std, self.shape),
                                 generator)

    def random_(self, low=0, high=None, generator=None):
        """Integers drawn uniformly from [low, high) (from [0, low) when one bound is given)."""
        if high is None:
            low, high = 0, low
        return self._fill_random("random_", lambda rng: rng.integers(low, high, self.shape),
                                 generator)

    def _fill_random(self, name, draw, generator):
        from . import random as _random_module
        rng = _random_module.generator() if generator is None else generator.numpy_generator
        values = Tensor.wrap(np.asarray(draw(rng)).astype(self.dtype), None)
        return self._inplace(name, lambda: self._replaced_by(values))

    def repeat(self, *sizes):
        """Tile the tensor ``sizes[i]`` times along dim i (PyTorch's ``repeat``, numpy's
        ``tile``): a reshape to add a unit dim before each, an expand, a reshape back."""
        sizes = _check_shape("repeat", _shape_args(sizes))
        if len(sizes) < self.ndim or not sizes:
            raise ValueError(f"repeat: the number of repeats {len(sizes)} must be >= the number "
                             f"of dims {self.ndim} of shape {self.shape}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        x = self.reshape(tuple(d for n in shape for d in (1, n)))
        x = x.expand(tuple(d for r, n in zip(sizes, shape) for d in (r, n)))
        return x.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def flip(self, *dims):
        dims = _norm_dims(_shape_args(dims), self.ndim)
        return self[tuple(slice(None, None, -1) if i in dims else slice(None)
                          for i in range(self.ndim))]

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces along ``dim``, each of size ceil(n / chunks) but the last."""
        if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, (bool, np.bool_)):
            raise TypeError(f"chunk(): argument 'chunks' must be int, not {type(chunks).__name__}")
        if chunks < 1:
            raise RuntimeError(f"chunk: the number of chunks must be greater than 0, got {chunks}")
        if self.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        n = self.shape[_norm_dim(dim, self.ndim)]
        if n == 0:                  # as PyTorch: ``chunks`` empty pieces
            return self.split([0] * int(chunks), dim)
        return self.split(max(1, -(-n // chunks)), dim)

    def split(self, split_size_or_sections, dim=0):
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed
        sizes, as PyTorch; views through indexing, so gradients flow back."""
        if self.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        dim = _norm_dim(dim, self.ndim)
        n = self.shape[dim]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = list(split_size_or_sections)
            _check_shape("split", sizes)
            if sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of dim "
                                 f"{dim} of a tensor of shape {self.shape}")
        else:
            step = split_size_or_sections
            if not isinstance(step, (int, np.integer)) or isinstance(step, (bool, np.bool_)):
                raise TypeError(f"split(): argument 'split_size' must be int or a list of ints, "
                                f"not {type(step).__name__}")
            if step < 1 and not (step == 0 and n == 0):
                raise ValueError(f"split: split_size must be positive, got {step}")
            step = max(int(step), 1)
            # (an empty dim gives one empty piece, as in PyTorch)
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        before, start, pieces = (slice(None),) * dim, 0, []
        for size in sizes:
            pieces.append(self[before + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is true, this tensor elsewhere (out of place)."""
        mask = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {mask.dtype}")
        if isinstance(value, Tensor):
            value = value.to(self.dtype) if value.dtype != self.dtype else value
        else:
            value = np.asarray(value).astype(self.dtype)
        return ops.movement.Where.apply(mask, value, self)

    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", lambda: self.masked_fill(mask, value))

    def sort(self, dim=-1, descending=False):
        """``(values, indices)`` sorted along ``dim`` (stable); the gradient goes back to
        where each value came from."""
        if self.ndim == 0:
            return self._as_1d("sort", dim, lambda x: x.sort(0, descending))
        dim = _norm_dim(dim, self.ndim)
        if descending:
            # the ascending stable order of the array reversed, reversed back: equal values
            # keep their order and NaN (numpy's largest) comes first, as in PyTorch, for any
            # dtype (sorting -x instead wrapped unsigned ints and refused bools)
            rev = np.argsort(np.flip(self._array, dim), axis=dim, kind="stable")
            idx = self.shape[dim] - 1 - np.flip(rev, dim)
        else:
            idx = np.argsort(self._array, axis=dim, kind="stable")
        return ops.reduce.SortResult(ops.reduce.TakeAlong.apply(self, idx, dim),
                                     Tensor.wrap(idx, None))

    def argsort(self, dim=-1, descending=False):
        return self.sort(dim, descending)[1]

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
        if not isinstance(k, (int, np.integer)) or isinstance(k, (bool, np.bool_)):
            raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
        if self.ndim == 0 and k in (0, 1):       # as PyTorch: the element, for k 0 or 1
            return ops.reduce.TopkResult(*self._as_1d("topk", dim, lambda x: x.sort(0)))
        dim = _norm_dim(dim, self.ndim)
        if not 0 <= k <= (self.shape[dim] if self.ndim else 1):
            raise ValueError(f"topk: k={k} is out of range for dim {dim} of size "
                             f"{self.shape[dim] if self.ndim else 1}")
        values, idx = self.sort(dim, descending=largest)
        keep = (slice(None),) * dim + (slice(0, k),)
        return ops.reduce.TopkResult(values[keep], idx[keep])

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over ``dim`` (all elements by default): ``(sum |x|^p)^(1/p)``. As in
        PyTorch, p=2 (also "fro" and None) is one op whose gradient at a zero vector is 0;
        p=inf and -inf are the largest and smallest ``|x|``; p=0 counts the nonzero
        elements (a constant: unlike PyTorch's, it has no grad_fn). The nuclear norm
        ("nuc") is not supported."""
        self._float_only("norm", "expected a floating point tensor as input")
        dim = _all_if_empty(dim)
        if p is None or p == "fro":
            p = 2
        if isinstance(p, str) and p != "inf":
            raise RuntimeError(f"norm(): p={p!r} is not supported; p is a number, inf, -inf, "
                               f"'fro' or None (minigrad has no nuclear norm)")
        if p == 2:
            return ops.reduce.Norm.apply(self, dim=dim, keepdim=keepdim)
        if p in (float("inf"), "inf", float("-inf")):
            extreme = Tensor.max if p != float("-inf") else Tensor.min
            return extreme(self.abs()) if dim is None else extreme(self.abs(), dim, keepdim)[0]
        if p == 0:
            return (self != 0).to(self.dtype).sum(dim=dim, keepdim=keepdim)
        if p == 1:
            return self.abs().sum(dim=dim, keepdim=keepdim)
        return (self.abs() ** p).sum(dim=dim, keepdim=keepdim) ** (1 / p)


def _norm_dim(dim, ndim, name="dim"):
    """``dim`` as an index in ``range(ndim)`` (negative counts from the end; a 0-d tensor
    has dims 0 and -1, as in PyTorch). The one check of a dim argument used everywhere:
    a non-integer is a TypeError, out of range an IndexError, with PyTorch's wording."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, (bool, np.bool_)):
        raise TypeError(f"argument '{name}' must be int, not {type(dim).__name__} ({dim!r})")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim}) for a tensor with "
                         f"{ndim} dims")
    return int(dim) % max(ndim, 1)


def _norm_dims(dims, ndim, name="dim"):
    """A tuple of dims, each checked by ``_norm_dim``; a dim given twice is an error.
    ``dims`` is a tuple or list of dims, or one dim."""
    if not isinstance(dims, (tuple, list)):
        dims = (dims,)
    out = tuple(_norm_dim(d, ndim, name) for d in dims)
    if len(set(out)) != len(out):
        twice = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims {tuple(dims)}")
    return out


def _type_name(x):
    """``numpy.ndarray``, ``list``: a type's name as PyTorch's errors give it."""
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__.split('.')[0]}.{t.__name__}"


def _check_tensors(name, *args):
    """Each ``(value, argument name)`` must be a Tensor, as PyTorch's functions require:
    ``TypeError`` naming the function, the argument, its position and the type given."""
    for pos, (x, arg) in enumerate(args, start=1):
        if not isinstance(x, Tensor):
            hint = (" (make it one with mg.tensor(...) or mg.from_numpy(...))"
                    if isinstance(x, (np.ndarray, np.generic, list, tuple)) else "")
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{_type_name(x)}{hint}")


def _matmul(name, a, b):
    """``a @ b`` for ``@``, ``matmul``, ``mm`` and ``bmm``: Tensors of one dtype, as PyTorch
    requires (numpy would take arrays and lists, and promote float32 @ float64 silently)."""
    _check_tensors(name, (a, "input"), (b, "other" if name == "matmul" else "mat2"))
    if a._array.dtype != b._array.dtype:
        raise ops.matmul.dtype_mismatch(name, a.dtype, b.dtype)
    return ops.matmul.MatMul.apply(a, b)


def _shape_args(args):
    """Accept ``f(2, 3)`` as well as ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _check_shape(name, shape, allow_minus_one=False, any_minus_one=False):
    """A shape: ints >= 0 (and one -1 where it is inferred, or with ``any_minus_one``
    several -1s, as ``expand`` keeps a size with each), else PyTorch's errors."""
    for s in shape:
        if not isinstance(s, (int, np.integer)) or isinstance(s, (bool, np.bool_)):
            raise TypeError(f"{name}: a shape takes ints, got {s!r} in {tuple(shape)}")
        if s < 0 and not (allow_minus_one and s == -1):
            raise RuntimeError(f"{name}: invalid shape dimension {s} in {tuple(shape)}")
    if allow_minus_one and not any_minus_one and sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred (-1), got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _arg_reduce(fn, data, dim, keepdim):
    name = fn.__name__
    if data.size == 0 and (dim is None or data.ndim == 0 or data.shape[_norm_dim(dim, data.ndim)] == 0):
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                         "== 0, or the reduced dim to be non-empty; the tensor has shape "
                         f"{data.shape}")
    if dim is None:
        out = np.asarray(fn(data))
        return out.reshape((1,) * data.ndim) if keepdim else out   # as PyTorch: all ones
    dim = _norm_dim(dim, data.ndim)
    if data.ndim == 0:
        return np.asarray(0)
    out = fn(data, axis=dim)
    return np.expand_dims(out, dim) if keepdim else out


class _RemovableHandle:
    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


def _bool_reduce(fn, data, dim, keepdim):
    if dim is None:          # (dim=() reduces over no dim here, as PyTorch's all/any)
        out = np.asarray(fn(data))
        return out.reshape((1,) * data.ndim) if keepdim else out
    axes = _norm_dims(dim, data.ndim)
    return np.asarray(fn(data, axis=axes if data.ndim else None, keepdims=keepdim))


def _all_if_empty(dim):
    """``dim=()`` (or ``[]``) reduces over every dim, as in PyTorch (numpy: over none)."""
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


def _int_divisor(name, a, b):
    """Integer ``//`` and ``%`` by zero: PyTorch's error (numpy gives 0 and a warning)."""
    divisor = b._array if isinstance(b, Tensor) else np.asarray(b)
    kinds = (a._array.dtype.kind, divisor.dtype.kind)
    if kinds == ("b", "b"):
        raise RuntimeError(f"{name}: not implemented for bool tensors (PyTorch neither)")
    if all(k in "iub" for k in kinds) and not np.all(divisor) \
            and np.broadcast(a._array, divisor).size:
        raise RuntimeError(f"{name}: integer division by zero (ZeroDivisionError)")
    return a, b


def _unwrap_index(index):
    """Tensors inside an index are used through their arrays."""
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, tuple):
        return tuple(i._array if isinstance(i, Tensor) else i for i in index)
    return index


# ---- version counters -------------------------------------------------------------------
# An in-place write bumps the version of the memory it wrote to, kept per owning array (a
# view's ``base``), so views and aliases share it as PyTorch's tensors share theirs. A graph
# records the version of each array it saves and checks it in backward.
_versions = {}     # id(owning array) -> [weak reference to it, version]


def _owner(a):
    return a.base if isinstance(a.base, np.ndarray) else a


def _version(a):
    """How many in-place writes the memory of array ``a`` has had (0: none)."""
    if not _versions:
        return 0
    owner = _owner(a)
    entry = _versions.get(id(owner))
    return entry[1] if entry is not None and entry[0]() is owner else 0


def _bump_version(a):
    owner = _owner(a)
    key = id(owner)
    entry = _versions.get(key)
    if entry is None or entry[0]() is not owner:
        try:
            ref = weakref.ref(owner, lambda _, key=key: _versions.pop(key, None))
        except TypeError:          # memory not owned by an ndarray: not tracked
            return
        entry = _versions[key] = [ref, 0]
    entry[1] += 1


from . import ops  # noqa: E402  (ops need Tensor defined; Tensor methods need ops at call time)
from .autograd import grad_mode as _grad_mode  # noqa: E402
from . import devices as _device  # noqa: E402
from .autograd import graph as _graph  # noqa: E402  (the walk needs Tensor defined too)
