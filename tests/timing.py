"""Linear time, measured: hostile inputs run in a subprocess (a hang or crash fails the test, not the
suite) at two sizes ten times apart; a scan that backtracks takes about a hundred times longer on the
larger, a linear one about ten."""

from __future__ import annotations

import json
import subprocess
import sys

_MEASURE = """
import json, sys, time
{setup}
def best(n):
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - start)
    return min(times)
small, large = {sizes}
print(json.dumps([best(small), best(large)]))
"""


def times(setup: str, sizes: tuple[int, int] = (20_000, 200_000), timeout: float = 60) -> tuple[float, float]:
    """Best-of-3 seconds of `run(n)` (defined by `setup`) at both sizes, measured in a fresh interpreter."""
    code = _MEASURE.format(setup=setup, sizes=sizes)
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"more than {timeout} s: not linear (or hung)") from None
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-800:]}"
    small, large = json.loads(done.stdout)
    return small, large


def assert_linear(setup: str, sizes: tuple[int, int] = (20_000, 200_000), timeout: float = 60) -> None:
    small, large = times(setup, sizes, timeout)
    ratio = large / max(small, 0.002)  # below 2 ms the smaller run is mostly noise
    # Quadratic is about x100; x50 leaves room for a busy machine (no bound in seconds: the ratio is
    # what tells linear from not).
    assert ratio < 50, f"{small:.4f} s -> {large:.4f} s for 10x the input (x{ratio:.0f})"
