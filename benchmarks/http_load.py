"""Closed-loop HTTP load generator: C concurrent workers, each sending its next request as soon
as the previous one answered, over C keep-alive connections. Bounded by a request count and a
time limit (requests in flight at the limit finish, each within --timeout). Prints one JSON
object: rps, latency percentiles (ms), errors, status counts, the generator's own CPU.

Clients (--client): `raw` (default), a minimal HTTP/1.1 client on asyncio streams, one
keep-alive connection per worker, about 0.1 ms of CPU per request; `httpx`, one pooled
httpx.AsyncClient, 1-3 ms of CPU per request, which on a 2-core machine takes a good part of
a core from the server being measured at 32 clients.

    python -m benchmarks.http_load --url http://127.0.0.1:8000/v1/classify \
        --concurrency 32 --requests 2000 --duration-limit 30 \
        --body-file bodies.jsonl --unique-field external_id \
        --header 'Authorization: Bearer KEY'

Bodies: --body-file, one JSON object per line, cycled in order; or --texts-csv (default
data/calibration.csv, column `text`) with --shape `text` ({"text": ...}) or
`dataframe_records` ({"dataframe_records": [{"text": ...}]}, MLflow's /invocations).
--unique-field NAME sets NAME to a value unique to this run and request, so every request
to the triage service is a new stored item. Any response other than 2xx, and any transport
error or timeout, is an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from benchmarks.common import CALIBRATION_CSV, calibration_texts, percentile

SHAPES = ("text", "dataframe_records")
CLIENTS = ("httpx", "raw")


def bodies_from_texts(texts: list[str], shape: str) -> list[dict[str, Any]]:
    if shape == "text":
        return [{"text": t} for t in texts]
    if shape == "dataframe_records":
        return [{"dataframe_records": [{"text": t}]} for t in texts]
    raise ValueError(f"unknown shape {shape!r}; choose from {SHAPES}")


def read_bodies(path: Path) -> list[dict[str, Any]]:
    bodies = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if not bodies or not all(isinstance(b, dict) for b in bodies):
        raise SystemExit(f"{path}: expected one JSON object per line")
    return bodies


def parse_header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"a header is 'Name: value', got {raw!r}")
    return name.strip(), value.strip()


class Sender(Protocol):
    async def post(self, content: bytes) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None

    def add(self, seconds: float, status: str, ok: bool, detail: str) -> None:
        self.latencies_ms.append(seconds * 1000)
        self.statuses[status] += 1
        if not ok:
            self.error_kinds[status] += 1
            if self.first_error is None:
                self.first_error = f"{status}: {detail}"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class SendError(Exception):
    """A request that got no HTTP response (connection refused or reset, timeout, bad reply)."""


class HttpxSender:
    """Requests over one shared httpx.AsyncClient (pooled keep-alive connections)."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def post(self, content: bytes) -> tuple[int, bytes]:
        try:
            response = await self._client.post(self._url, content=content)
        except httpx.HTTPError as exc:
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.content

    async def close(self) -> None:
        return None


class RawSender:
    """Minimal HTTP/1.1 over one keep-alive asyncio connection (one per worker): far less
    client CPU per request than httpx, so the load generator takes less of a small machine
    from the server it measures. Reconnects after an error or `Connection: close`."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or parsed.hostname is None:
            raise SystemExit(f"--client raw speaks plain http:// only, not {url}")
        self._host, self._port = parsed.hostname, parsed.port or 80
        path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        lines = [f"POST {path} HTTP/1.1", f"Host: {parsed.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, content: bytes) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._exchange(content), self._timeout)
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, TimeoutError) as exc:
            await self.close()
            raise SendError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, content: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(self._head + str(len(content)).encode() + b"\r\n\r\n" + content)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            body = await self._reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:  # the body runs to the end of the connection
            body = await self._reader.read()
            fields["connection"] = "close"
        if fields.get("connection") == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def run_load(
    *,
    url: str,
    bodies: list[dict[str, Any]],
    concurrency: int,
    requests: int,
    duration_limit: float,
    headers: dict[str, str],
    unique_field: str | None,
    timeout: float,
    warmup: int = 0,
    client: str = "raw",
) -> dict[str, Any]:
    """Run the load and return the figures (latencies in ms)."""
    run_id = uuid.uuid4().hex[:12]
    encoded = [json.dumps(b).encode() for b in bodies]
    counter = {"next": 0}
    warm, measured = Tally(), Tally()
    request_headers = {"Content-Type": "application/json"} | headers

    def next_body(index: int) -> bytes:
        position = index % len(bodies)
        if unique_field is None:
            return encoded[position]
        return json.dumps(bodies[position] | {unique_field: f"bench-{run_id}-{index}"}).encode()

    async def worker(sender: Sender, limit: int, deadline: float, tally: Tally) -> None:
        while counter["next"] < limit and time.perf_counter() < deadline:
            index = counter["next"]
            counter["next"] += 1
            content = next_body(index)
            started = time.perf_counter()
            try:
                status, body = await sender.post(content)
                elapsed = time.perf_counter() - started
                ok = 200 <= status < 300
                tally.add(elapsed, str(status), ok, body[:300].decode(errors="replace"))
            except SendError as exc:
                elapsed = time.perf_counter() - started
                kind, _, detail = str(exc).partition(": ")
                tally.add(elapsed, kind, False, detail[:300])

    async with contextlib.AsyncExitStack() as stack:
        senders: list[Sender]
        if client == "httpx":
            limits = httpx.Limits(
                max_connections=concurrency, max_keepalive_connections=concurrency
            )
            shared = await stack.enter_async_context(
                httpx.AsyncClient(limits=limits, timeout=timeout, headers=request_headers)
            )
            senders = [HttpxSender(shared, url) for _ in range(concurrency)]
        else:
            senders = [RawSender(url, request_headers, timeout) for _ in range(concurrency)]
            for sender in senders:
                stack.push_async_callback(sender.close)
        if warmup:
            warm_deadline = time.perf_counter() + max(duration_limit, 60.0)
            await asyncio.gather(
                *(
                    worker(s, warmup, warm_deadline, warm)
                    for s in senders[: min(concurrency, warmup)]
                )
            )
        counter["next"] = warmup
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        deadline = started + duration_limit
        await asyncio.gather(*(worker(s, warmup + requests, deadline, measured) for s in senders))
        wall = time.perf_counter() - started
        client_cpu = _cpu_seconds() - cpu_before

    ordered = sorted(measured.latencies_ms)
    completed = len(ordered)
    errors = sum(measured.error_kinds.values())
    return {
        "url": url,
        "concurrency": concurrency,
        "requests_asked": requests,
        "duration_limit_s": duration_limit,
        "completed": completed,
        "ok": completed - errors,
        "errors": errors,
        "error_kinds": dict(measured.error_kinds),
        "first_error": measured.first_error,
        "status_counts": dict(measured.statuses),
        "stopped_by": "count" if completed >= requests else "time",
        "duration_s": round(wall, 3),
        "rps": round(completed / wall, 2) if wall > 0 else None,
        "latency_ms": {
            "mean": round(sum(ordered) / completed, 3) if completed else None,
            "min": round(ordered[0], 3) if completed else None,
            "p50": round(percentile(ordered, 0.50), 3),
            "p90": round(percentile(ordered, 0.90), 3),
            "p99": round(percentile(ordered, 0.99), 3),
            "max": round(ordered[-1], 3) if completed else None,
        },
        "warmup": {
            "requests": len(warm.latencies_ms),
            "errors": sum(warm.error_kinds.values()),
            "first_error": warm.first_error,
        },
        "client": client,
        "client_cpu_s": round(client_cpu, 3),
        "client_cpu_ms_per_request": round(1000 * client_cpu / completed, 3) if completed else None,
        "unique_field": unique_field,
        "run_id": run_id,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests (most)")
    parser.add_argument("--duration-limit", type=float, default=30.0, help="seconds (most)")
    parser.add_argument("--warmup", type=int, default=0, help="requests sent first, not measured")
    parser.add_argument("--body-file", type=Path, help="JSON Lines: one request body per line")
    parser.add_argument("--texts-csv", type=Path, default=CALIBRATION_CSV)
    parser.add_argument("--shape", choices=SHAPES, default="text")
    parser.add_argument("--unique-field", help="body field set to a unique value per request")
    parser.add_argument("--header", type=parse_header, action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument(
        "--client",
        choices=CLIENTS,
        default="raw",
        help="raw (minimal HTTP/1.1 on asyncio, least client CPU) or httpx (pooled AsyncClient)",
    )
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.requests < 1 or args.duration_limit <= 0:
        parser.error("--concurrency and --requests must be >= 1, --duration-limit > 0")
    bodies = (
        read_bodies(args.body_file)
        if args.body_file
        else bodies_from_texts(calibration_texts(args.texts_csv), args.shape)
    )
    result = asyncio.run(
        run_load(
            url=args.url,
            bodies=bodies,
            concurrency=args.concurrency,
            requests=args.requests,
            duration_limit=args.duration_limit,
            headers=dict(args.header),
            unique_field=args.unique_field,
            timeout=args.timeout,
            warmup=args.warmup,
            client=args.client,
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
