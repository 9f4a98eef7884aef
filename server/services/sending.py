"""Stop all sending: the workspace's emergency brake (`runtime.messaging.brakes`), with who pulled
it, when and why, in the audit trail and on a banner on every page until someone resumes."""

from __future__ import annotations

from runtime.errors import WrongStateError
from runtime.messaging import brakes
from runtime.store.audit import Actor, record
from server.context import Wayline
from server.schemas.workspace import SendingState


def sending_state(wl: Wayline) -> SendingState:
    """Whether all sending is stopped now."""
    with wl.reading() as session:
        return _state(brakes.sending_stopped(session))


def stop_sending(wl: Wayline, actor: Actor, reason: str = "") -> SendingState:
    """Hold every outgoing message of every journey until `resume_sending`."""
    with wl.writing() as session:
        if brakes.sending_stopped(session) is not None:
            raise WrongStateError("All sending is stopped already.")
        stop = brakes.SendingStop(actor.name, wl.now(), reason.strip())
        brakes.set_sending(session, stop, wl.now())
        record(session, actor, "sending.stopped", object_kind="workspace", object_id="sending",
               object_name="All sending", at=wl.now(),
               summary="stopped all sending" + (f": {stop.reason}" if stop.reason else ""))
    return _state(stop)


def resume_sending(wl: Wayline, actor: Actor) -> SendingState:
    """Let messages go again; each is judged afresh by the send policy when it goes."""
    with wl.writing() as session:
        if brakes.sending_stopped(session) is None:
            raise WrongStateError("Sending is not stopped.")
        brakes.set_sending(session, None, wl.now())
        record(session, actor, "sending.resumed", object_kind="workspace",
               object_id="sending", object_name="All sending", at=wl.now(),
               summary="resumed all sending")
    wl.sweep_soon()
    return _state(None)


def _state(stop: brakes.SendingStop | None) -> SendingState:
    if stop is None:
        return SendingState(stopped=False)
    return SendingState(stopped=True, by=stop.by, at=stop.at, reason=stop.reason)
