"""The shutdown gate and the cancellation of running work at the end of the grace period."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from curation.core import Cancelled, checkpoint
from curation.draining import Drain
from curation.errors import Unavailable
from curation.ops import Context
from curation.settings import Settings
from curation.wiring import build_runtime


async def test_the_gate_counts_calls_and_refuses_new_ones_once_draining() -> None:
    drain = Drain()
    assert await drain.wait_idle(0)
    with drain.call():
        assert drain.in_flight == 1
        assert not await drain.wait_idle(0.01)
        drain.begin()
        with pytest.raises(Unavailable), drain.call():
            pass
        assert drain.in_flight == 1  # the refused call was never counted
    assert drain.in_flight == 0
    assert await drain.wait_idle(0)


async def test_cancel_running_answers_the_caller_and_stops_the_computation_at_a_checkpoint() -> None:
    runtime = build_runtime(Settings(workers=1), [])
    started, stopped = threading.Event(), threading.Event()

    def long_loop() -> None:
        started.set()
        try:
            while True:
                checkpoint()
                time.sleep(0.005)
        except Cancelled:
            stopped.set()
            raise

    try:
        call = asyncio.ensure_future(runtime.ops.run(long_loop, ctx=Context()))
        assert await asyncio.to_thread(started.wait, 10)
        runtime.cancel_running("shutdown")
        with pytest.raises(Unavailable, match="shutdown"):
            await call
        assert await asyncio.to_thread(stopped.wait, 10)
        assert await runtime.ops.run(int, "7", ctx=Context()) == 7  # the worker is free again
    finally:
        await runtime.close()
