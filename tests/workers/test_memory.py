"""Trimming freed memory once large calls stop coming (``curation.workers.memory.QuietTrim``): not after
each call of a stream of them (the next one would fault its pages in again), never while one runs."""

from __future__ import annotations

import asyncio

from curation.workers.memory import QuietTrim

QUIET = 0.05


class Counted:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


async def _settle() -> None:
    await asyncio.sleep(QUIET * 4)


async def test_a_stream_of_large_calls_is_trimmed_once_after_it_stops() -> None:
    trim = Counted()
    quiet = QuietTrim(trim, quiet=QUIET)
    for _ in range(5):
        quiet.begin()
        await asyncio.sleep(QUIET / 5)
        quiet.end()
        assert trim.calls == 0
    await _settle()
    assert trim.calls == 1 and quiet.running == 0


async def test_no_trim_while_a_large_call_runs() -> None:
    trim = Counted()
    quiet = QuietTrim(trim, quiet=QUIET)
    quiet.begin()
    quiet.begin()
    quiet.end()  # one ends, the other still runs when the trim is due
    await _settle()
    assert trim.calls == 0
    quiet.end()
    await _settle()
    assert trim.calls == 1
