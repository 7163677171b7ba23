"""Per-tenant token buckets: burst then refusal with the refill delay, refill over time, tenants apart,
bounded memory, and the settings' documented maxima."""

from __future__ import annotations

import pytest

from curation.errors import RateLimited
from curation.ops import Context
from curation.ops.rate_limits import MAX_BURST, MAX_RATE, TokenBuckets
from curation.settings import Settings
from curation.wiring import build_rate_limits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_refusal_names_the_time_to_the_next_token() -> None:
    clock = Clock()
    buckets = TokenBuckets(2.0, 3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one token at 2 per second
    clock.now += 0.25
    assert buckets.take("a") == pytest.approx(0.25)  # half a token refilled meanwhile
    clock.now += 0.25
    assert buckets.take("a") == 0.0
    clock.now += 60  # refills up to the burst, never beyond it
    assert [buckets.take("a") for _ in range(4)][-1] > 0.0


def test_tenants_have_buckets_of_their_own() -> None:
    buckets = TokenBuckets(1.0, 1, clock=Clock())
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0.0
    assert buckets.take("b") == 0.0


def test_check_raises_rate_limited_with_the_delay() -> None:
    buckets = TokenBuckets(0.1, 1, clock=Clock())
    ctx = Context(namespace="t")
    buckets.check(ctx)
    with pytest.raises(RateLimited, match="over its rate") as info:
        buckets.check(ctx)
    assert info.value.retry_delay == pytest.approx(10.0)


def test_memory_is_bounded_by_dropping_the_least_recently_used_bucket() -> None:
    buckets = TokenBuckets(1.0, 1, max_tenants=2, clock=Clock())
    buckets.take("a")
    buckets.take("b")
    buckets.take("a")  # a is the most recent now
    buckets.take("c")  # b goes
    assert len(buckets) == 2 and "b" not in buckets and "a" in buckets
    assert buckets.take("b") == 0.0  # a dropped bucket is a full one again
    assert len(buckets) == 2 and "a" not in buckets


def test_the_default_burst_is_one_seconds_worth() -> None:
    assert TokenBuckets(50.0).burst == 50 and TokenBuckets(0.2).burst == 1


@pytest.mark.parametrize(
    ("rate", "burst"), [(-1.0, 0), (MAX_RATE * 2, 0), (1.0, -1), (1.0, MAX_BURST + 1)], ids=str
)
def test_settings_out_of_range_are_refused_at_start(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="CURATION_TENANT_"):
        build_rate_limits(Settings(tenant_rate_per_second=rate, tenant_burst=burst))


def test_rate_limits_are_off_by_default() -> None:
    assert build_rate_limits(Settings()) is None
