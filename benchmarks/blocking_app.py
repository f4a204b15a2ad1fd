"""Three routes that each wait 10 ms, three ways (scenario "blocking").

Served by uvicorn in its own process; the load comes from another.
``/blocking`` calls ``time.sleep`` inside ``async def``, the mistake
ASYNC-NO-BLOCKING describes; ``/awaiting`` awaits ``asyncio.sleep``;
``/thread`` runs the same ``time.sleep`` in a worker thread with
``asyncio.to_thread``, as the page recommends for blocking libraries.
"""

import asyncio
import os
import time

from fastapi import FastAPI

WAIT_SECONDS = 0.010

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/ready")
async def ready() -> dict[str, int]:
    """Readiness, and the size of asyncio's default thread pool."""
    # asyncio.to_thread uses the loop's default ThreadPoolExecutor, whose
    # max_workers is min(32, os.cpu_count() + 4).
    return {"to_thread_workers": min(32, (os.cpu_count() or 1) + 4)}


@app.get("/blocking")
async def blocking() -> dict[str, str]:
    time.sleep(WAIT_SECONDS)  # noqa: ASYNC251  # the mistake being measured
    return {"waited": "blocking"}


@app.get("/awaiting")
async def awaiting() -> dict[str, str]:
    await asyncio.sleep(WAIT_SECONDS)
    return {"waited": "awaiting"}


@app.get("/thread")
async def thread() -> dict[str, str]:
    await asyncio.to_thread(time.sleep, WAIT_SECONDS)
    return {"waited": "thread"}
