"""Fault injection shared by the four simulators.

A fault is a rule: what to do (`kind`), to which requests (`path` regex, `method`), how often (`rate`,
`count`, `after`). Rules are added and cleared through each simulator's admin API (`/_sandbox/faults`) or
`c2c sandbox fault …`. Most kinds act in `FaultMiddleware`; the list-serving code of each simulator reads
the record-level ones (`drift_add_field`, `drift_change_type`, `repeat_next`) from the request scope.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

# Kinds acted on before the app runs, after it ran (response rewritten), and inside the app.
PRE_KINDS = ("latency", "error", "hang", "drop")
POST_KINDS = ("commit_then_drop", "truncate", "malformed")
RECORD_KINDS = ("drift_add_field", "drift_change_type", "repeat_next")
KINDS = PRE_KINDS + POST_KINDS + RECORD_KINDS


class FaultRuleError(ValueError):
    """A fault rule that cannot be applied (unknown kind, missing parameter)."""


@dataclass
class FaultRule:
    kind: str
    path: str | None = None  # regex searched in the request path; None = every vendor path
    method: str | None = None  # e.g. "GET"; None = any
    status: int | None = None  # kind=error
    retry_after: str | None = None  # kind=error: send this Retry-After (vendors here document none)
    seconds: float | None = None  # kind=latency / hang
    rate: float = 1.0  # probability per matching request
    count: int | None = None  # apply at most this many times
    after: int = 0  # let the first N matching requests through untouched
    field: str | None = None  # drift_add_field / drift_change_type: the record field
    value: Any = None  # drift_add_field: the added value
    id: int = 0
    matched: int = 0
    applied: int = 0
    # dataclasses.field: the rule's own `field` attribute shadows the bare name inside this class body
    _pattern: re.Pattern[str] | None = dataclasses.field(default=None, repr=False, compare=False)

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise FaultRuleError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.kind == "error" and not self.status:
            raise FaultRuleError("fault kind 'error' needs a 'status' (e.g. 429, 503)")
        if self.kind in ("drift_add_field", "drift_change_type") and not self.field:
            raise FaultRuleError(f"fault kind {self.kind!r} needs a 'field'")
        if not 0.0 <= self.rate <= 1.0:
            raise FaultRuleError("'rate' is a probability between 0 and 1")
        self._pattern = re.compile(self.path) if self.path else None

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_pattern", None)
        return data


class FaultState:
    """The rules of one simulator, evaluated once per request (thread-safe, seeded)."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> FaultRule:
        allowed = {
            k: v for k, v in spec.items() if k in FaultRule.__dataclass_fields__ and not k.startswith("_")
        }
        unknown = sorted(set(spec) - set(allowed))
        if unknown:
            raise FaultRuleError(f"unknown fault parameter(s): {', '.join(unknown)}")
        for counter in ("id", "matched", "applied"):
            allowed.pop(counter, None)
        rule = FaultRule(**allowed)
        rule.validate()
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def clear(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
            return n

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.public() for r in self._rules]

    def evaluate(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (each rule counts the request once)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.method and rule.method.upper() != method.upper():
                    continue
                if rule._pattern and not rule._pattern.search(path):
                    continue
                rule.matched += 1
                if rule.matched <= rule.after:
                    continue
                if rule.count is not None and rule.applied >= rule.count:
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.applied += 1
                fired.append(rule)
        return fired


def fired_rules(scope: dict[str, Any]) -> list[FaultRule]:
    return scope.get("state", {}).get("faults", [])


def record_rule(scope: dict[str, Any], kind: str) -> FaultRule | None:
    """The record-level rule of this kind that fired for the request, if any."""
    for rule in fired_rules(scope):
        if rule.kind == kind:
            return rule
    return None


def apply_drift(scope: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Schema drift on one served record: an added field, or a field whose JSON type changed."""
    for rule in fired_rules(scope):
        if rule.kind == "drift_add_field":
            record[rule.field] = rule.value
        elif rule.kind == "drift_change_type" and rule.field in record:
            record[rule.field] = _changed_type(record[rule.field])
    return record


def _changed_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # a number now arrives as a string
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return {"value": value}
    return str(value)


async def sleep_for(rule: FaultRule, default: float) -> None:
    await asyncio.sleep(rule.seconds if rule.seconds is not None else default)
