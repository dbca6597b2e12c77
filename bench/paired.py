"""Paired timing for the bench scripts: every command and its reference run in the same rounds.

A round runs each command once, in an order that rotates from round to round, so that a burst
of load on the machine lands on all of them alike. Each run records wall time and the CPU time
of the child and everything it waited for (user + system, from wait4's rusage). A ratio is the
median of the per-round ratios, which cancels the drift that separate runs of each command
would fold into it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)  # on top of the run's environment


@dataclass(frozen=True)
class Sample:
    wall_ms: float
    cpu_ms: float


@dataclass
class Series:
    command: Command
    samples: list[Sample] = field(default_factory=list)

    def wall(self) -> float:
        return statistics.median(s.wall_ms for s in self.samples)

    def cpu(self) -> float:
        return statistics.median(s.cpu_ms for s in self.samples)


def run_once(command: Command, env: dict[str, str]) -> Sample:
    """One run; a command that fails is an error in the bench, never a timing."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env={**env, **command.env} if command.env else env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{command.label} exited {proc.returncode}: {stderr.strip()}")
    return Sample(wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000)


def interleave(
    commands: Sequence[Command],
    env: dict[str, str],
    rounds: int,
    warmup: int,
    progress: Callable[[int], None] | None = None,
) -> list[Series]:
    """`warmup` uncounted rounds, then `rounds` counted ones, the order rotating each round."""
    series = [Series(c) for c in commands]
    for number in range(warmup + rounds):
        shift = number % len(series)
        for item in series[shift:] + series[:shift]:
            sample = run_once(item.command, env)
            if number >= warmup:
                item.samples.append(sample)
        if progress:
            progress(number)
    return series


def ratio(a: Series, b: Series, what: str) -> float:
    """Median over rounds of a/b, for what = "wall" or "cpu"."""
    pairs = zip(a.samples, b.samples, strict=True)
    if what == "wall":
        return statistics.median(x.wall_ms / y.wall_ms for x, y in pairs)
    return statistics.median(x.cpu_ms / y.cpu_ms for x, y in pairs)
