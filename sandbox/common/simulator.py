"""What every simulator shares: its state (faults, tokens, stats, knobs), the fault/concurrency middleware
and the admin API under `/_sandbox/` (outside every vendor's own path space)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .faults import POST_KINDS, FaultRule, FaultRuleError, FaultState, sleep_for
from .jsonio import json_response, loads
from .tokens import TokenStore

ADMIN_PREFIX = "/_sandbox"
HANG_SECONDS = 3600.0

# vendor error body for an injected (or governance) status: (status, rule or None) -> Response
ErrorFactory = Callable[[int, FaultRule | None], Response]


class DroppedConnection(Exception):
    """Raised after a partial response so that the server closes the connection mid-message."""


@dataclass
class Stats:
    by_status: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    rejected_concurrency: int = 0
    records_served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def public(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "rejected_concurrency": self.rejected_concurrency,
                "records_served": self.records_served,
            }

    def reset(self) -> None:
        with self._lock:
            self.by_status.clear()
            self.requests = self.rejected_concurrency = self.records_served = 0
            self.peak_in_flight = self.in_flight


@dataclass
class SimulatorState:
    vendor: str
    tokens: TokenStore
    settings: dict[str, Any]
    faults: FaultState = field(default_factory=FaultState)
    stats: Stats = field(default_factory=Stats)

    def served(self, n: int) -> None:
        with self.stats._lock:
            self.stats.records_served += n


class FaultMiddleware:
    """Applies fired fault rules and the account concurrency limit (`settings["max_concurrent"]`)."""

    def __init__(self, app: Any, state: SimulatorState, error_response: ErrorFactory) -> None:
        self.app = app
        self.state = state
        self.error_response = error_response

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        stats = self.state.stats
        status_box: list[int] = [0]

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            await send(message)

        limit = self.state.settings.get("max_concurrent")
        with stats._lock:
            stats.requests += 1
            over = bool(limit) and stats.in_flight >= limit
            if over:
                stats.rejected_concurrency += 1
            else:
                stats.in_flight += 1
                stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            if over:
                await self.error_response(429, None)(scope, receive, counting_send)
                return
            try:
                await self._handle(scope, receive, counting_send)
            finally:
                with stats._lock:
                    stats.in_flight -= 1
        finally:
            with stats._lock:
                stats.by_status[status_box[0]] += 1

    async def _handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        base_latency = self.state.settings.get("latency_seconds") or 0
        if base_latency:
            await asyncio.sleep(base_latency)
        rules = self.state.faults.evaluate(scope["method"], scope["path"])
        scope.setdefault("state", {})["faults"] = rules
        for rule in rules:
            if rule.kind == "latency":
                await sleep_for(rule, 1.0)
        for rule in rules:
            if rule.kind == "hang":
                await sleep_for(rule, HANG_SECONDS)
                await _drop(send)
            if rule.kind == "drop":
                await _drop(send)
            if rule.kind == "error":
                response = self.error_response(rule.status or 500, rule)
                if rule.retry_after:
                    response.headers["Retry-After"] = rule.retry_after
                await response(scope, receive, send)
                return
        post = [r for r in rules if r.kind in POST_KINDS]
        if not post:
            await self.app(scope, receive, send)
            return
        start, body = await _capture(self.app, scope, receive)
        for rule in post:
            if rule.kind == "commit_then_drop":
                await _drop(send)  # the handler ran (the write landed); the answer never arrives
            if rule.kind == "truncate":
                body = body[: max(1, len(body) // 2)]
            if rule.kind == "malformed":
                body = b'{"malformed": tru' + body[:64]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _capture(app: Any, scope: dict[str, Any], receive: Any) -> tuple[dict[str, Any], bytes]:
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start, b"".join(chunks)


async def _drop(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1048576")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"', "more_body": True})
    raise DroppedConnection("fault injection: connection dropped mid-response")


def admin_routes(state: SimulatorState, extra: list[Route] | None = None) -> list[Route]:
    async def health(_: Request) -> Response:
        return json_response({"vendor": state.vendor, "status": "ok"})

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return json_response({"faults": state.faults.rules()})
        if request.method == "DELETE":
            return json_response({"cleared": state.faults.clear()})
        try:
            spec = loads(await request.body() or b"{}")
            specs = spec if isinstance(spec, list) else [spec]
            added = [state.faults.add(s).public() for s in specs]
        except (FaultRuleError, TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response({"added": added}, status=201)

    async def expire_tokens(_: Request) -> Response:
        return json_response({"expired": state.tokens.expire_all()})

    async def stats(request: Request) -> Response:
        if request.method == "DELETE":
            state.stats.reset()
        return json_response(state.stats.public())

    async def settings(request: Request) -> Response:
        if request.method == "PATCH":
            changes = loads(await request.body() or b"{}")
            unknown = sorted(set(changes) - set(state.settings))
            if unknown:
                return json_response({"error": f"unknown setting(s): {', '.join(unknown)}"}, status=400)
            state.settings.update(changes)
        return json_response(state.settings)

    return [
        Route(f"{ADMIN_PREFIX}/health", health),
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/stats", stats, methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/settings", settings, methods=["GET", "PATCH"]),
        *(extra or []),
    ]


def build_app(
    state: SimulatorState,
    routes: list[Route],
    error_response: ErrorFactory,
    admin_extra: list[Route] | None = None,
) -> Any:
    """A Starlette app of the vendor's routes plus the admin API, wrapped in the fault middleware."""
    app = Starlette(routes=admin_routes(state, admin_extra) + routes)
    app.state.sim = state
    return FaultMiddleware(app, state, error_response)
