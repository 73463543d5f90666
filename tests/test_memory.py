import sys

import numpy as np

from minigrad.memory import keep_freed_memory


def test_keep_freed_memory_applies_on_linux_and_arrays_still_work():
    applied = keep_freed_memory()
    if sys.platform.startswith("linux"):
        assert applied is True   # glibc's mallopt accepted both settings
    else:
        assert applied is False
    a = np.ones((1024, 1024), np.float32)    # 4 MB: now from the heap, must behave the same
    del a
    b = np.zeros((1024, 1024), np.float32)
    assert b.sum() == 0
