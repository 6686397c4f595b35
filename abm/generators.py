"""Draws from many replications' generators in one compiled call.

Each replication has its own ``numpy.random.Generator`` (PCG64) per stream. Asking
each for its month's numbers in a Python loop costs a call per replication and a
copy per call; these functions fill one (replication, draw) array by calling the
bit generators through NumPy's documented ctypes interface (``next_uint64``,
``next_double`` and ``state_address``). The numbers, and the generators' states
afterwards, are exactly those of ``BitGenerator.random_raw`` and
``Generator.random`` (float64), which call the same functions in the same order.

Every replication's streams are spawned from its own seed alone, by name, so a
replication gives the same numbers whatever batch or worker it runs in.
"""

from __future__ import annotations

import hashlib
import math
import sys
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


# The streams every batch draws from besides the mechanisms' own, and Mesa's generator's.
COMMON_STREAMS = ("init", "dynamics", "institutions", "start", "programmes")
MESA_STREAM = "mesa"  # Mesa's own generator in the one-replication model: never drawn from


def stream_key(name: str) -> int:
    """The spawn key of the stream called ``name``: 128 bits of the SHA-256 of its name.

    A stream's seed depends on the replication's seed and the stream's name alone,
    so adding, removing or moving any other stream changes none of its draws.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:16], "little")


def replication_streams(seed: np.random.SeedSequence,
                        names: Sequence[str]) -> dict[str, np.random.SeedSequence]:
    """The independent streams of one replication, by name (the same whoever asks).

    Each stream is spawned from ``seed`` with the key of its name (``stream_key``), so
    the order of ``names`` and the other names in it change no stream's numbers.

    Raises:
        ValueError: If a name is given twice (two parts would share one stream).
    """
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if list(names).count(name) > 1})
        raise ValueError(f"random streams named twice: {', '.join(twice)}")
    return {name: np.random.SeedSequence(seed.entropy,
                                         spawn_key=(*seed.spawn_key, stream_key(name)))
            for name in names}


def uniforms(rngs: Sequence[np.random.Generator], shape: tuple[int, ...],
             dtype: type = np.float64) -> np.ndarray:
    """(R, *shape) uniforms, one block from each replication's generator (``random``)."""
    if dtype == np.float64:
        return as_streams(rngs).uniforms(math.prod(shape)).reshape(len(rngs), *shape)
    out = np.empty((len(rngs), *shape), dtype=dtype)
    for r, rng in enumerate(rngs):
        rng.random(dtype=dtype, out=out[r])
    return out


def normals(rngs: Sequence[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    """(R, *shape) standard normals, one block from each replication's generator."""
    out = np.empty((len(rngs), *shape))
    for r, rng in enumerate(rngs):
        rng.standard_normal(out=out[r])
    return out


def cell_words(rngs: Sequence[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    """One random 32-bit word per cell, read as a float32 uniform by the compiled passes.

    ``kernels.uniform_from_word`` makes of each word the uniform that
    ``Generator.random(dtype=float32)`` gives: that method makes each float32 from
    32 bits of the bit generator (PCG64) output, the low half of a 64-bit output
    first, then its high half. Taking the 64-bit outputs (``Streams.raw_outputs``)
    and passing their halves to the compiled passes gives the same numbers at a
    fraction of the cost. An odd count would leave a half buffered in the
    generator, so it is drawn the ordinary way and turned back into words.
    """
    size = math.prod(shape)
    if size % 2 or sys.byteorder != "little":
        drawn = uniforms(rngs, shape, np.float32)
        return (drawn * np.float32(2 ** 24)).astype(np.uint32) << np.uint32(8)
    raw = as_streams(rngs).raw_outputs(size // 2)
    return raw.view(np.uint32).reshape(len(rngs), *shape)
