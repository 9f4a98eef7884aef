"""Send: queue the message with the step; the batch writes it to the outbox
(`runtime.messaging.messages`) in the same transaction, and a preview decides it there too."""

from __future__ import annotations

from nodes.kit.spec import Send
from runtime.flow.effects import EffectStep, Executor, SendIntent


def queue(effect: Send, step: EffectStep) -> None:
    """Add the message to the step's sends."""
    step.sends.append(SendIntent(step.node_id, effect))


EXECUTOR = Executor(Send, perform=queue)
