"""Run an ASGI app in N uvicorn worker processes sharing one listening socket, with
TCP_NODELAY working (for the serving benchmark's `-2w` targets).

`uvicorn --workers N` binds the listener itself with `proto` 0; accepted connections inherit
it and asyncio then leaves Nagle's algorithm on, so on Linux every keep-alive request after
the first waits for the client's delayed ACK, about 40 ms (uvicorn issue #3149; measured here:
22.8 req/s with 44 ms p50 at 1 client under `--workers 2`, against 1,563 req/s and 0.5 ms under
`--workers 1`, on the same app). This launcher binds the socket with `IPPROTO_TCP` and hands
it to uvicorn's own supervisor, which is all the fix needs.

    python -m benchmarks.multiworker --workers 2 --host 127.0.0.1 --port 8000 \
        --factory service.app:create_app
"""

from __future__ import annotations

import argparse
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", help="import string, e.g. service.app:create_app")
    parser.add_argument("--factory", action="store_true", help="the app string is a factory")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    config = uvicorn.Config(
        args.app, factory=args.factory, host=args.host, port=args.port, workers=args.workers
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(config.backlog)
    listener.set_inheritable(True)
    Multiprocess(config, sockets=[listener]).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
