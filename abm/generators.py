"""Draws from many replications' generators in one compiled call.

Each replication has its own ``numpy.random.Generator`` (PCG64) per stream. Asking
each for its month's numbers in a Python loop costs a call per replication and a
copy per call; these functions fill one (replication, draw) array by calling the
bit generators through NumPy's documented ctypes interface (``next_uint64``,
``next_double`` and ``state_address``). The numbers, and the generators' states
afterwards, are exactly those of ``BitGenerator.random_raw`` and
``Generator.random`` (float64), which call the same functions in the same order.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _fill(next_value, states, out):
    """Row r of ``out`` gets successive values of ``next_value`` on state ``states[r]``."""
    for r in range(out.shape[0]):
        state = states[r]
        for n in range(out.shape[1]):
            out[r, n] = next_value(state)


def _interface(rngs: list[np.random.Generator]):
    interfaces = [rng.bit_generator.ctypes for rng in rngs]
    states = np.array([c.state_address for c in interfaces], dtype=np.uint64)
    return interfaces[0], states


def raw_outputs(rngs: list[np.random.Generator], n: int) -> np.ndarray:
    """(R, n) uint64: each generator's next ``n`` raw outputs (``random_raw(n)``)."""
    out = np.empty((len(rngs), n), dtype=np.uint64)
    if len(rngs) and n:
        interface, states = _interface(rngs)
        _fill(interface.next_uint64, states, out)
    return out


def uniforms(rngs: list[np.random.Generator], n: int) -> np.ndarray:
    """(R, n) float64: each generator's next ``n`` uniforms (``random(n)``)."""
    out = np.empty((len(rngs), n))
    if len(rngs) and n:
        interface, states = _interface(rngs)
        _fill(interface.next_double, states, out)
    return out
