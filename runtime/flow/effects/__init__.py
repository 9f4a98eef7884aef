"""Effect executors: what the runtime does for each effect a decision carries, found by type.

A node kind decides (`run()` returns `Go(port, effects=…)`); an executor acts. Each module in
this package (not starting with "_") defines `EXECUTOR`, an `Executor` for one effect type —
the engine, the batch writer and the simulation look executors up here and never switch on an
effect's type. An executor gets the step (`EffectStep`: the customer's profile as the run has it
now, the messages queued so far, where and when) and may answer with a port, which then replaces
the decision's: the effect's result chooses the way on, and the decision's later effects are not
applied (they were meant for the way the kind expected).

`perform` runs on a worker, inside the batch's transaction (`EffectStep.session`), so whatever it
writes commits with the step or not at all; `imagine` runs for previews and dry runs, reads at
most, and says what would happen.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from nodes.kit.discovery import declarations
from nodes.kit.profile import Profile
from nodes.kit.spec import Effect, Send

E = TypeVar("E", bound=Effect)
Reading = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class SendIntent:
    """A message to queue: which node sent it and what the node asked for."""

    node_id: str
    send: Send


@dataclass(slots=True)
class EffectStep:
    """What an executor acts on. It may replace `profile` (never change it in place) and add to
    `sends`; `memo` keeps what an executor learnt for the rest of the batch or preview."""

    node_id: str
    profile: Profile
    now: datetime
    run_id: int | None = None
    session: Session | None = None
    """The batch's transaction, on a worker; None in a preview."""
    reading: Reading | None = None
    """Opens a read-only session, in a preview (None in the pure engine's own tests)."""
    sends: list[SendIntent] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)
    why: str = ""


Act = Callable[[Any, "EffectStep"], str | None]


@dataclass(frozen=True)
class Executor(Generic[E]):
    """How the runtime carries out one effect type: for real, and in a preview."""

    effect: type[E]
    perform: Act
    imagine: Act | None = None
    """For previews and dry runs (reads at most); None: `perform` writes nothing, use it."""


class ExecutorError(Exception):
    """An executor module is broken, or an effect has no executor."""


@cache
def executors() -> dict[type, Executor]:
    """Every executor in this package by effect type, discovered once per process."""
    found: dict[type, Executor] = {}
    for executor, origin, _ in declarations(__name__, "EXECUTOR", Executor, ExecutorError,
                                            "an effect module"):
        if executor.effect in found:
            raise ExecutorError(f"{origin}: {executor.effect.__name__} already has an executor")
        found[executor.effect] = executor
    return found


@dataclass
class Effects:
    """The executors bound to a world: a worker's transaction (`performing`), or a preview's
    read-only session (or none at all, for the pure engine's own tests)."""

    session: Session | None = None
    performing: bool = False
    reading: Reading | None = None
    memo: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._executors = executors()  # looked up once per batch or preview, not per effect

    def step(self, node_id: str, profile: Profile, now: datetime,
             run_id: int | None) -> EffectStep:
        """A fresh step for one node's effects."""
        return EffectStep(node_id, profile, now, run_id, self.session, self.reading,
                          memo=self.memo)

    def apply(self, effect: Effect, step: EffectStep) -> str | None:
        """Carry out one effect; the port its result chooses, if any."""
        executor = self._executors.get(type(effect))
        if executor is None:
            raise ExecutorError(f"no executor for {type(effect).__name__}: add a module for it "
                                "to runtime/flow/effects")
        act = executor.perform if self.performing or executor.imagine is None \
            else executor.imagine
        return act(effect, step)
