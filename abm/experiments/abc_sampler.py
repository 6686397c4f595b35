"""A pyabc sampler whose posterior does not depend on the number of worker processes.

pyabc's ``MappingSampler`` maps one task per particle ("simulate until one is
accepted") over any ``map``, which spreads a generation over worker processes; but
it reseeds every task from the operating system, so no two runs agree. Here task j
of a generation is seeded from a number the main process draws from the fit's own
seeded generator before the map, so each task's proposals, simulations and
acceptances are the same whichever worker runs it and however many there are; the
tasks' samples are joined in task order. Only the seeding differs from pyabc's own.
"""

from __future__ import annotations

import functools
import random
import threading

import numpy as np
from joblib import Parallel, delayed
from pyabc.sampler import MappingSampler

SEED_LIMIT = 2**32 - 1
# pyabc draws from NumPy's global generator, which threads share: where joblib runs the
# tasks on threads (a fit inside another joblib worker), they take turns.
_TASK_LOCK = threading.Lock()


def _parallel_map(workers: int):
    """A ``map`` over ``workers`` processes (joblib), results in input order."""
    def map_(function, items):
        return Parallel(n_jobs=workers)(delayed(function)(item) for item in items)
    return map_


class SeededMappingSampler(MappingSampler):
    """``MappingSampler`` with each task seeded from the fit's seeded global generator.

    Args:
        workers: Worker processes (1: the tasks run one after another in this process).
    """

    def __init__(self, workers: int = 1):
        super().__init__(map_=map if workers == 1 else _parallel_map(workers))
        self.workers = workers

    def map_function(self, simulate_one, seed):
        """One task: simulate until a particle is accepted, from the task's own seed."""
        simulate_one = self.unpickle(simulate_one)
        with _TASK_LOCK:
            np.random.seed(seed)
            random.seed(seed)
            evaluations, sample = 0, self._create_empty_sample()
            while True:
                particle = simulate_one()
                evaluations += 1
                sample.append(particle)
                if particle.accepted:
                    return sample, evaluations

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,  # noqa: ARG002
                                all_accepted=False, ana_vars=None):  # noqa: ARG002
        """A generation: ``n`` seeded tasks mapped over the workers, joined in task order."""
        seeds = np.random.randint(0, SEED_LIMIT, size=n).tolist()  # the fit's generator
        task = functools.partial(self.map_function, self.pickle(simulate_one))
        # tasks run here (one worker) reseed this process's generators: put them back,
        # as they are when the tasks run in other processes
        numpy_state, python_state = np.random.get_state(), random.getstate()
        try:
            results = list(self.map_(task, seeds))
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)
        self.nr_evaluations_ = sum(evaluations for _, evaluations in results)
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        return sample
