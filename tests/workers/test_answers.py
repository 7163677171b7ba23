"""The serving process's encoded answers to small repeats (``curation.workers.answers``): bounded by
bytes and by time, and used by the pool only for answers that came from the cache."""

from __future__ import annotations

from curation.workers.answers import RecentAnswers

KEY = ("op", "default", "json", "d1")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_until_it_expires() -> None:
    clock = Clock()
    answers = RecentAnswers(100, 50, seconds=10, clock=clock)
    answers.put(KEY, b"x" * 10)
    clock.now += 9.9
    assert answers.get(KEY) == b"x" * 10
    clock.now += 0.1
    assert answers.get(KEY) is None and answers.size == 0


def test_the_least_recently_used_answers_go_first_and_large_ones_are_not_kept() -> None:
    answers = RecentAnswers(30, 20)
    keys = [("op", "default", "json", f"d{i}") for i in range(3)]
    for key in keys:
        answers.put(key, b"y" * 10)
    assert answers.get(keys[0]) is not None  # now the most recent
    answers.put(("op", "default", "json", "d3"), b"z" * 10)
    assert answers.get(keys[1]) is None and answers.get(keys[0]) is not None and answers.size == 30
    answers.put(("op", "default", "json", "big"), b"w" * 21)
    assert answers.get(("op", "default", "json", "big")) is None and answers.size == 30


def test_putting_a_key_again_replaces_its_answer() -> None:
    answers = RecentAnswers(100, 50)
    answers.put(KEY, b"a" * 10)
    answers.put(KEY, b"b" * 20)
    assert answers.get(KEY) == b"b" * 20 and answers.size == 20
