"""Allocator settings that make numpy training loops faster on Linux.

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
import sys

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
