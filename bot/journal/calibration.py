"""How hard a PIN guess is on this machine: Argon2id's time cost chosen so that one guess takes at least 250 ms.

Someone holding both the database and the server key can try PINs offline, as fast as Argon2id lets them; the
journal's lockout does not slow that down. At 250 ms a guess, the 10^6 six-digit PINs take about three days of
one core per journal (README: Keys). The memory cost (64 MiB) stays fixed, which is what makes graphics cards
and parallel hardware pay; the time cost rises until the target is met on the machine the bot runs on.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from argon2.low_level import Type, hash_secret_raw

from bot.journal.keys import DEFAULT_ARGON2, Argon2Params

TARGET_SECONDS = 0.25
MAX_TIME_COST = 20  # what Argon2Params.decode accepts back from the database
RECALIBRATE_AFTER_DAYS = 30  # the machine may have changed (a restore on new hardware)


def guess_seconds(params: Argon2Params) -> float:
    """One PIN guess with these parameters, timed (a throwaway PIN and salt)."""
    start = time.perf_counter()
    hash_secret_raw(
        secret=b"000000",
        salt=b"calibration-salt",
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return time.perf_counter() - start


def calibrate(base: Argon2Params = DEFAULT_ARGON2, target: float = TARGET_SECONDS) -> tuple[Argon2Params, float]:
    """The parameters to use (never weaker than `base`) and how long one guess took with them."""
    per_pass = guess_seconds(replace(base, time_cost=1))
    time_cost = min(max(base.time_cost, math.ceil(target / max(per_pass, 1e-6))), MAX_TIME_COST)
    params = replace(base, time_cost=time_cost)
    took = guess_seconds(params)
    while took < target and params.time_cost < MAX_TIME_COST:
        params = replace(params, time_cost=params.time_cost + 1)
        took = guess_seconds(params)
    return params, took
