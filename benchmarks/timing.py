"""Timing two frameworks in one process: letting each settle before it is timed.

The benchmarks alternate minigrad and PyTorch so that both see the same machine. That has a
trap. After a multi-threaded call, a library's worker threads keep spinning on the cores
for a while, waiting for more work -- OpenBLAS's (numpy's matrix products, so minigrad's)
for about 0.1 s, its ``THREAD_TIMEOUT`` -- and on a 2-core machine they take the cores from
whatever runs next. Measured on this project's machine (2 cores, batch 64, the reference
network of ``bench_train.py``): after 0.3 s of plain numpy matrix products, PyTorch's next
three training steps took 35, 32 and 31 ms against 15-16 ms once settled; after ten of
minigrad's steps, 41, 42 and 24 ms. minigrad's first step after PyTorch's was slower too
(28 against 18 ms).

A user's training loop runs one framework and never pays this. So before each timed round
every function first runs untimed for ``SETTLE`` seconds (``settle``), until the other
framework's threads have gone to sleep; without it, ``bench_train.py``'s rounds of 10 steps
charged PyTorch 4-10 ms a step more than its steady pace (at batch 64 and 128 alike),
which flattered minigrad's ratio.
"""
import statistics
import time

SETTLE = 0.2


def settle(fn, seconds=SETTLE):
    """Call ``fn`` untimed until ``seconds`` have passed (at least once)."""
    end = time.perf_counter() + seconds
    fn()
    while time.perf_counter() < end:
        fn()


def seconds_per_call(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def alternate(fns, rounds, calls, statistic=statistics.median):
    """Seconds per call of each function in ``fns`` (name -> function): ``rounds`` rounds,
    in each of which every function in turn settles (``settle``) and is then timed over
    ``calls`` calls, so that all of them see the same machine. Returns ``statistic`` (the
    median, or e.g. ``min``) of each function's times over the rounds."""
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            settle(fn)
            times[name].append(seconds_per_call(fn, calls))
    return {name: statistic(t) for name, t in times.items()}
