"""The ETA's numbers from the courier's recent live fixes: pure Python, no app imports.

Three rules make it calm enough to read (issue 15 saw 41 minutes for 2.8 km at the shop, then
23 -> 6 -> 3 minutes in ten seconds):
- until the courier has moved `moved_m` from where the fixes start, the speed is the default
  (a phone waiting at the shop reports 0 m/s and a few metres of noise, not how fast it will go);
- after that the speed is smoothed exponentially with the time constant `smoothing_s`, each
  step's sample capped at `max_speed` (a GPS reflection is not a 200 km/h courier);
- from one fix to the next the estimate may move by at most `max_change` of what the previous
  one said was left (besides the time that passed).
The estimate is worked out again over the window's fixes for every position, so it needs no
state kept between positions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from webapp.delivery.geo import distance_m


@dataclass(frozen=True)
class Settings:
    route_factor: float = 1.3   # streets are not straight
    default_speed: float = 4.2  # m/s, ~15 km/h
    min_speed: float = 1.5      # a courier at a red light is not hours away
    max_speed: float = 30.0
    moved_m: float = 50.0
    smoothing_s: float = 30.0
    max_change: float = 0.2


# (lat, lng, seconds): a live fix and when it was taken, on any one clock.
Fix = tuple[float, float, float]


def seconds_left(fixes: list[Fix], dest: tuple[float, float], settings: Settings) -> float:
    """Seconds from the last of `fixes` (oldest first, at least one) to `dest`."""
    first = prev = fixes[0]
    speed, moved = settings.default_speed, False
    left = _raw(first, dest, speed, settings)
    for fix in fixes[1:]:
        dt = fix[2] - prev[2]
        moved = moved or distance_m(first[0], first[1], fix[0], fix[1]) >= settings.moved_m
        if moved and dt > 0:
            sample = min(distance_m(prev[0], prev[1], fix[0], fix[1]) / dt, settings.max_speed)
            speed += (1 - math.exp(-dt / settings.smoothing_s)) * (sample - speed)
        expected = max(0.0, left - max(dt, 0.0))
        left = min(max(_raw(fix, dest, speed, settings), expected * (1 - settings.max_change)),
                   expected * (1 + settings.max_change))
        prev = fix
    return left


def _raw(fix: Fix, dest: tuple[float, float], speed: float, settings: Settings) -> float:
    speed = min(max(speed, settings.min_speed), settings.max_speed)
    return distance_m(fix[0], fix[1], dest[0], dest[1]) * settings.route_factor / speed
