"""Worker process of :class:`mmoe.labeling.vllm_engine.WorkerEngine`, run with vLLM's Python.

Reads pickled ``(method, payload)`` requests from stdin and writes ``("ok", result)`` or
``("error", message)`` to the original stdout; everything else printed (vLLM's logs) goes to
stderr. Exits at end of input, or on SIGTERM (shutting the engine's processes down).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import traceback

from mmoe.labeling.vllm_engine import LocalEngine


def serve(requests, replies) -> None:
    engine = None
    while True:
        try:
            method, payload = pickle.load(requests)
        except EOFError:
            return
        try:
            if method == "start":
                engine = LocalEngine(payload)
                result = None
            else:
                result = engine.generate(**payload)
            reply = ("ok", result)
        except Exception as exc:
            traceback.print_exc()
            reply = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(reply, replies)
        replies.flush()


def main() -> None:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # engine cleanup
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
