"""Which BLAS kernels numpy's matrix products run on, for the benchmarks' headers
(``python benchmarks/blas_info.py`` prints it).

minigrad's convolutions and linear layers spend most of their time in numpy's matrix
products, so their speed depends on which of its kernel sets numpy's OpenBLAS picked when
it was loaded ("Haswell" for AVX2, "SkylakeX" or "Cooperlake" for AVX-512, ...). OpenBLAS
0.3.31, the one numpy 2.4.6 bundles, does not recognise AMD Zen 5 CPUs
(OpenMathLib/OpenBLAS#6029, fixed upstream by #6033) and runs its AVX2 kernels there
although the CPU has AVX-512. ``OPENBLAS_CORETYPE=SkylakeX``, set before Python starts,
selects the AVX-512 kernels; only on a CPU that has AVX-512 (elsewhere they crash).
"""
import ctypes

import numpy as np

AVX512_CORES = {"SkylakeX", "Cooperlake", "SapphireRapids"}


def openblas_core():
    """The name of the kernel set numpy's OpenBLAS runs, or None when that cannot be asked
    (not Linux, or numpy not built on OpenBLAS)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f
                     if "openblas" in line.lower() and line.split()[-1].startswith("/")}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                     "openblas_get_corename64_", "openblas_get_corename"):
            get = getattr(lib, name, None)
            if get is not None:
                get.restype = ctypes.c_char_p
                return get().decode()
    return None


def cpu_has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:
        return False


def describe():
    """One or two lines for a benchmark's header."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception:          # numpy builds differ in what they record
        name = "unknown BLAS"
    core = openblas_core()
    line = f"BLAS: {name}" + (f", running its {core} kernels" if core else "")
    if core and core not in AVX512_CORES and cpu_has_avx512():
        line += ("\nnote: this CPU has AVX-512 but OpenBLAS did not pick its AVX-512 kernels "
                 "(OpenBLAS 0.3.31 does not recognise AMD Zen 5: OpenMathLib/OpenBLAS#6029); "
                 "OPENBLAS_CORETYPE=SkylakeX set before Python starts selects them")
    return line


if __name__ == "__main__":      # python benchmarks/blas_info.py
    print(describe())
