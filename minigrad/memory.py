"""Memory for op results: arrays reused from step to step, and an allocator setting.

**Reused arrays** (``empty``, used by the ops). Every training step makes fresh activation
and gradient arrays of several megabytes. Fresh memory costs a page fault per 4 kB when it
is first written -- with glibc's default settings, arrays that large are handed back to the
kernel when freed and mapped anew next step. So the ops take their large results from
``empty(shape, dtype)``, which keeps each array it hands out and gives it out again once
nothing else references it any more (its reference count shows that only this cache holds
it): nobody can see the reuse, as nobody holds the old array. This is the idea of PyTorch's
caching allocator for GPU memory, done with reference counts. It holds at most
``CACHE_BYTES`` of arrays that are not in use; ``empty_cache()`` lets them all go, and
``set_buffer_reuse(False)`` turns it off (every result is then a fresh ``np.empty``).

**The allocator setting** (``keep_freed_memory``), for everything else a numpy program
allocates. The rest of this docstring is about it.

Every training step makes fresh activation and gradient arrays of several megabytes. With
glibc's default settings, arrays that large are mapped from the kernel on allocation and
handed back on free, so each step touches brand-new pages and pays a page fault per 4 kB:
on the reference network of ``benchmarks/bench_train.py`` that was a quarter of the step
(31 ms -> 24 ms at batch 128 with the settings below). ``keep_freed_memory()`` tells glibc
to serve such arrays from its heap and to keep freed memory for the next step instead.

The cost: memory freed by the process is not returned to the operating system until it
exits (the peak is unchanged, it just stays resident), which is what a training process
wants and a long-lived service might not. minigrad never calls this on its own; the
training example and the benchmarks do. The same effect without code:
``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 python train.py``.
"""
import ctypes
import ctypes.util
import math
import sys
import threading

import numpy as np

_M_TRIM_THRESHOLD = -1   # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold=32 << 20, trim_threshold=1 << 30):
    """Serve allocations below ``mmap_threshold`` bytes from the heap (larger ones still
    come from the kernel) and keep up to ``trim_threshold`` bytes of freed heap for reuse. Returns True when
    the settings took effect, False where they do not apply (not Linux/glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):     # musl and other C libraries have no mallopt
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))


# ---- reused arrays -----------------------------------------------------------------------------
MIN_BYTES = 1 << 18      # smaller arrays come from glibc's heap without page faults anyway
CACHE_BYTES = 512 << 20  # at most this much held while not in use (more is let go)

_reuse = True
_cache = threading.local()   # one cache per thread: no locks, and no array shared by threads


def _arrays():
    """This thread's cache: {(shape, dtype): [arrays handed out before]}."""
    cache = getattr(_cache, "arrays", None)
    if cache is None:
        cache = _cache.arrays = {}
    return cache


def empty(shape, dtype):
    """``np.empty(shape, dtype)`` for an op's result, reusing an array of that shape and
    dtype that was handed out before and is no longer referenced. Contents are undefined:
    the op overwrites every element."""
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize * math.prod(shape)
    if nbytes < MIN_BYTES or not _reuse:
        return np.empty(shape, dtype)
    cache = _arrays()
    arrays = cache.get((shape, dtype))
    if arrays is None:
        arrays = cache[(shape, dtype)] = []
    for array in arrays:
        # free when nothing but the cache references it: the cache's list, this loop's
        # variable and getrefcount's argument (the count is taken below, the same way)
        if sys.getrefcount(array) <= _FREE_COUNT:
            return array
    array = np.empty(shape, dtype)
    if _idle_bytes(cache) + nbytes > CACHE_BYTES:
        _let_go(cache)
    arrays.append(array)
    return array


def empty_like(array):
    """``empty(array.shape, array.dtype)``; a small array goes straight to ``np.empty_like``
    (the cheap test first: ops on tiny arrays, as in an MLP at batch 1, are all overhead)."""
    if array.nbytes < MIN_BYTES:
        return np.empty_like(array)
    return empty(array.shape, array.dtype)


def zeros(shape, dtype):
    """``empty(shape, dtype)`` filled with zeros."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def _idle_bytes(cache):
    return sum(array.nbytes for arrays in cache.values() for array in arrays
               if sys.getrefcount(array) <= _FREE_COUNT)


def _let_go(cache):
    """Drop every array not in use (the ones in use are dropped from the cache too: they
    stay with their users and are freed when those let go)."""
    cache.clear()


def empty_cache():
    """Let go of the arrays kept for reuse (this thread's), as ``torch.cuda.empty_cache``
    does for PyTorch's GPU memory."""
    _arrays().clear()


def set_buffer_reuse(enabled):
    """Turn the reuse of op results on (the default) or off; off also empties the cache."""
    global _reuse
    _reuse = bool(enabled)
    if not _reuse:
        empty_cache()


def cached_bytes():
    """Bytes of arrays held for reuse and not in use now (this thread's cache)."""
    return _idle_bytes(_arrays())


def _count_when_free():
    """The reference count ``empty`` sees for an array only the cache holds."""
    arrays = [np.empty(1)]
    for array in arrays:
        return sys.getrefcount(array)


_FREE_COUNT = _count_when_free()
