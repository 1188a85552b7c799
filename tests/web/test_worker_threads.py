"""WorkerThreads: the hop every webhook request makes off the event loop and back."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

from bot.web.dependencies import WorkerThreads

REQUEST = contextvars.ContextVar("request", default="none")


def test_blocking_calls_run_off_the_loop_at_most_threads_at_once() -> None:
    workers = WorkerThreads(2)
    running, peak, names = 0, 0, set()
    lock = threading.Lock()

    def blocking(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            names.add(threading.current_thread().name)
        time.sleep(0.05)
        with lock:
            running -= 1
        return n * 2

    async def main() -> list[int]:
        loop_thread = threading.current_thread().name
        results = await asyncio.gather(*(workers.run(blocking, n) for n in range(6)))
        assert loop_thread not in names
        return list(results)

    assert asyncio.run(main()) == [0, 2, 4, 6, 8, 10]
    assert peak == 2
    # the executor's own threads (issue 17: anyio's to_thread hop cost 3x the CPU)
    assert names and all(n.startswith("web-worker") for n in names), names


def test_the_call_sees_the_callers_context() -> None:
    workers = WorkerThreads(1)

    async def main() -> str:
        REQUEST.set("req-1")
        return await workers.run(REQUEST.get)

    assert asyncio.run(main()) == "req-1"
