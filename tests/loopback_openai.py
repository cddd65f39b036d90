"""A loopback OpenAI-compatible chat-completions server for the labeling tests and benchmark.

It answers from the request's text: "Yes" if it contains ``[yes]``, "Maybe" if ``[maybe]``,
else "No" (a free-text description when ``max_completion_tokens`` > 1), with first-token
``top_logprobs`` that spread each answer over case/space variants. ``faults`` schedules
failures per marker: each request whose text contains the marker consumes the next fault
("500", "429", "408", "400", "hang" or "malformed") until its list is empty.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections import Counter

# answer -> first-token top_logprobs (token, probability)
TOP = {
    "Yes": [("Yes", 0.6), (" yes", 0.2), ("No", 0.15), ("Sure", 0.05)],
    "No": [("No", 0.7), ("no", 0.1), ("Yes", 0.15), ("Maybe", 0.05)],
    "Maybe": [("Maybe", 0.9), ("Yes", 0.05), ("No", 0.05)],
}
P_YES = {"Yes": 0.8 / 0.95, "No": 0.15 / 0.95, "Maybe": 0.5}


def request_text(body: dict) -> str:
    """The text parts of the last message of a chat request."""
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part["text"] for part in content if part["type"] == "text")


def image_urls(body: dict) -> list[str]:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return []
    return [part["image_url"]["url"] for part in content if part["type"] == "image_url"]


def completion(answer: str, body: dict) -> dict:
    top = [{"token": t, "logprob": math.log(p), "bytes": list(t.encode())} for t, p in TOP[answer]]
    first = {"token": answer, "logprob": top[0]["logprob"], "top_logprobs": top}
    choice = {"index": 0, "message": {"role": "assistant", "content": answer}}
    if body.get("logprobs"):
        choice["logprobs"] = {"content": [first]}
    usage = {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}
    return {"id": "cmpl-1", "object": "chat.completion", "choices": [choice], "usage": usage}


class LoopbackOpenAI:
    """Run as a context manager; ``url`` is the base URL to give the ``openai`` backend.

    An asyncio HTTP/1.1 server (keep-alive, Content-Length bodies) on its own thread's loop.
    """

    def __init__(self, latency: float = 0.0, hang_seconds: float = 2.0) -> None:
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.faults: dict[str, list[str]] = {}
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget what was requested so far."""
        self.requests = 0
        self.texts: Counter = Counter()
        self.bodies: list[dict] = []
        self.authorizations: set[str | None] = set()

    def __enter__(self) -> LoopbackOpenAI:
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    async def _shutdown(self) -> None:
        self.server.close()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1"

    def plan(self, body: dict, authorization: str | None) -> str | None:
        """Record the request; return the fault to inject, if any."""
        text = request_text(body)
        with self.lock:
            self.requests += 1
            self.texts[text] += 1
            self.bodies.append(body)
            self.authorizations.add(authorization)
            for marker, pending in self.faults.items():
                if marker in text and pending:
                    return pending.pop(0)
        return None

    def answer(self, body: dict) -> dict:
        text = request_text(body)
        if body.get("max_completion_tokens", 1) > 1:
            return completion("No", body) | {
                "choices": [{"index": 0, "message": {"content": f"A description of {text[-8:]}"}}]
            }
        answer = "Yes" if "[yes]" in text else "Maybe" if "[maybe]" in text else "No"
        return completion(answer, body)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await _read_request(reader):
                headers, body = request
                fault = self.plan(body, headers.get("authorization"))
                await asyncio.sleep(self.latency)
                if fault == "hang":
                    await asyncio.sleep(self.hang_seconds)
                if fault in ("500", "429", "408", "400"):
                    _respond(writer, int(fault), b'{"error": {"message": "injected"}}')
                elif fault == "malformed":
                    _respond(writer, 200, b'{"choices": [{"mess')
                else:
                    _respond(writer, 200, json.dumps(self.answer(body)).encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):  # the client gave up (a hang)
            pass
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> tuple[dict, dict] | None:
    """Headers (lower-case names) and JSON body of the next request; None at end of stream."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.partition(":") for line in lines if line)
    headers = {name.strip().lower(): value.strip() for name, _, value in pairs}
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return headers, json.loads(body)


def _respond(writer: asyncio.StreamWriter, status: int, data: bytes) -> None:
    reason = {200: "OK", 400: "Bad Request", 408: "Request Timeout", 429: "Too Many Requests"}
    reason = reason.get(status, "Internal Server Error")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nRetry-After: 0\r\n\r\n"
    )
    writer.write(head.encode() + data)


class TcpRelay:
    """A TCP relay on 127.0.0.1 to ``port`` that can be cut (the listener closed, open
    connections dropped: the server looks gone) and restored on the same port."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def restore(self) -> None:
        self.server = self._run(asyncio.start_server(self._relay, "127.0.0.1", self.port))
        self.port = self.server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        async def close() -> None:
            self.server.close()
            for writer in list(self.writers):
                writer.close()

        self._run(close())

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()
                self.writers.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
