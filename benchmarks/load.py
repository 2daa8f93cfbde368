"""A bounded HTTP load generator for 127.0.0.1 only: threads with keep-alive connections.

    python benchmarks/load.py PORT SECONDS CONCURRENCY MAX_REQUESTS URL [URL ...]

Each thread cycles through the URLs until the time or the request budget runs out, then
prints one JSON line: request count, errors, latency percentiles and requests per second.
It runs as its own process so the server under test does not share its interpreter.
"""

from __future__ import annotations

import http.client
import itertools
import json
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"  # never anything else


def run(port: int, seconds: float, concurrency: int, max_requests: int, urls: list[str]) -> dict:
    deadline = time.perf_counter() + seconds
    budget = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        failures = 0
        for number in itertools.count(offset):
            if time.perf_counter() >= deadline or next(budget) >= max_requests:
                break
            url = urls[number % len(urls)]
            started = time.perf_counter()
            try:
                connection.request("GET", url, headers={"Host": HOST})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures += 1
            except (OSError, http.client.HTTPException):
                failures += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failures

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return {"requests": 0, "errors": errors[0]}
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "rps": len(latencies) / elapsed,
    }


if __name__ == "__main__":
    port, seconds, concurrency, max_requests = sys.argv[1:5]
    result = run(int(port), float(seconds), int(concurrency), int(max_requests), sys.argv[5:])
    print(json.dumps(result))
