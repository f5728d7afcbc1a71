"""The per-process dispatch thread that hands committed outbox ids to the delivery task."""
from __future__ import annotations

import logging
import os
import threading

import pytest

from notifications.dispatcher import Dispatcher


class Recorder:
    """A send function that can be held up, to let hand-overs pile up behind it."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[list[int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_first = fail_first

    def __call__(self, ids: list[int]) -> None:
        self.entered.set()
        self.gate.wait(5)
        self.calls.append(ids)
        if len(self.calls) <= self.fail_first:
            raise ConnectionError("broker down")


def test_what_piles_up_behind_a_slow_send_goes_out_together_in_chunks() -> None:
    send = Recorder()
    dispatcher = Dispatcher(send, chunk=lambda: 3)
    send.gate.clear()
    dispatcher.submit([1])
    assert send.entered.wait(2)  # the thread is inside the first send, held up
    for ids in ([2, 3], [4], [5, 6, 7]):
        dispatcher.submit(ids)
    send.gate.set()

    assert dispatcher.flush(timeout=5)
    assert send.calls == [[1], [2, 3, 4], [5, 6, 7]]


def test_a_dead_broker_is_logged_and_the_thread_goes_on(caplog) -> None:  # type: ignore[no-untyped-def]
    send = Recorder(fail_first=1)
    dispatcher = Dispatcher(send, chunk=lambda: 50)
    with caplog.at_level(logging.WARNING, logger="notifications.dispatcher"):
        dispatcher.submit([10, 11])
        assert dispatcher.flush(timeout=5)
    assert "could not queue delivery of 2 notifications; the sweeper will" in caplog.text

    dispatcher.submit([12])
    assert dispatcher.flush(timeout=5)
    assert send.calls == [[10, 11], [12]]


def test_flush_is_bounded_when_the_broker_hangs() -> None:
    send = Recorder()
    send.gate.clear()
    dispatcher = Dispatcher(send, chunk=lambda: 50)
    dispatcher.submit([1])
    assert dispatcher.flush(timeout=0.2) is False
    send.gate.set()
    assert dispatcher.flush(timeout=5) is True


def test_empty_hand_overs_start_nothing() -> None:
    send = Recorder()
    dispatcher = Dispatcher(send, chunk=lambda: 50)
    dispatcher.submit([])
    assert dispatcher.flush(timeout=0.1) and send.calls == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_gets_its_own_thread_and_not_the_parents_queue() -> None:
    send = Recorder()
    dispatcher = Dispatcher(send, chunk=lambda: 50)
    dispatcher.submit([1])
    assert dispatcher.flush(timeout=5)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a uvicorn or Celery prefork worker after the fork
        try:
            dispatcher.submit([2])
            ok = dispatcher.flush(timeout=5) and send.calls == [[1], [2]]
            os.write(write, b"ok" if ok else repr(send.calls).encode())
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 200)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert send.calls == [[1]]  # the child's send did not happen here


def test_the_thread_survives_a_failure_outside_the_send(caplog) -> None:  # type: ignore[no-untyped-def]
    send = Recorder()
    sizes = iter([ValueError("bad chunk setting"), 50])

    def chunk() -> int:
        size = next(sizes)
        if isinstance(size, Exception):
            raise size
        return size

    dispatcher = Dispatcher(send, chunk=chunk)
    with caplog.at_level(logging.ERROR, logger="notifications.dispatcher"):
        dispatcher.submit([1])
        assert dispatcher.flush(timeout=5)
    assert "outbox dispatch failed" in caplog.text
    dispatcher.submit([2])
    assert dispatcher.flush(timeout=5)
    assert send.calls == [[2]]
