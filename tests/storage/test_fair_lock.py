"""The SQLite writer lock hands over in arrival order and is re-entrant."""

from __future__ import annotations

import threading
import time

import pytest

from storage.db import FairLock


def test_waiters_get_the_lock_in_the_order_they_arrived():
    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for n in range(5):
        def take(n: int = n) -> None:
            lock.acquire()
            order.append(n)
            lock.release()
        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        # Wait until this thread is queued before starting the next, so arrival order is known.
        deadline = time.monotonic() + 5
        while len(lock._queue) < n + 1:
            assert time.monotonic() < deadline, f"thread {n} never queued on the lock"
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_re_entrant_and_released_only_while_held():
    lock = FairLock()
    assert lock.acquire() and lock.acquire()
    lock.release()
    result: list[bool] = []
    other = threading.Thread(target=lambda: result.append(lock.acquire(timeout=0.05)))
    other.start()
    other.join()
    assert result == [False], "still held once"
    lock.release()
    assert lock.acquire(timeout=0.05)
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_a_waiter_that_times_out_leaves_the_queue():
    lock = FairLock()
    lock.acquire()
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(lock.acquire(timeout=0.05)))
    waiter.start()
    waiter.join()
    assert result == [False] and len(lock._queue) == 0
    lock.release()
    assert lock._owner is None


def test_a_transaction_an_ack_waits_on_goes_ahead_of_queued_background_writers():
    lock = FairLock()
    order: list[str] = []
    lock.acquire()
    threads = []
    for name, first in (("setup-1", False), ("setup-2", False), ("ack-1", True), ("setup-3", False), ("ack-2", True)):
        def take(name: str = name, first: bool = first) -> None:
            lock.acquire(first=first)
            order.append(name)
            lock.release()
        thread = threading.Thread(target=take)
        queued = len(lock._queue)
        thread.start()
        threads.append(thread)
        while len(lock._queue) < queued + 1:
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    # Acks in their arrival order, then the background writers in theirs.
    assert order == ["ack-1", "ack-2", "setup-1", "setup-2", "setup-3"]
