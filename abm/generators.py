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

from collections.abc import Sequence

import numpy as np
from numba import njit


@njit(cache=True)
def _fill(next_value, states, out):
    """Row r of ``out`` gets successive values of ``next_value`` on state ``states[r]``."""
    for r in range(out.shape[0]):
        state = states[r]
        for n in range(out.shape[1]):
            out[r, n] = next_value(state)


class Streams(Sequence):
    """One stream's generators, one per replication, with their ctypes interface at hand.

    A sequence of the generators (``streams[r]`` is replication r's), so it serves
    wherever a list of them does.
    """

    def __init__(self, rngs: Sequence[np.random.Generator]):
        self.rngs = list(rngs)
        interfaces = [rng.bit_generator.ctypes for rng in self.rngs]
        self._states = np.array([c.state_address for c in interfaces], dtype=np.uint64)
        self._next_uint64 = interfaces[0].next_uint64 if interfaces else None
        self._next_double = interfaces[0].next_double if interfaces else None

    def __len__(self) -> int:
        return len(self.rngs)

    def __getitem__(self, index):
        return self.rngs[index]

    def raw_outputs(self, n: int) -> np.ndarray:
        """(R, n) uint64: each generator's next ``n`` raw outputs (``random_raw(n)``)."""
        out = np.empty((len(self.rngs), n), dtype=np.uint64)
        if len(self.rngs) and n:
            _fill(self._next_uint64, self._states, out)
        return out

    def uniforms(self, n: int) -> np.ndarray:
        """(R, n) float64: each generator's next ``n`` uniforms (``random(n)``)."""
        out = np.empty((len(self.rngs), n))
        if len(self.rngs) and n:
            _fill(self._next_double, self._states, out)
        return out


def as_streams(rngs: Sequence[np.random.Generator]) -> Streams:
    """``rngs`` as ``Streams`` (itself if it already is)."""
    return rngs if isinstance(rngs, Streams) else Streams(rngs)
