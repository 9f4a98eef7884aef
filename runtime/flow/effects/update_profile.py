"""Update profile: the changes applied to the run's copy of the profile, in order
(`nodes.kit.operations` holds their meaning); the batch writes what changed, key by key."""

from __future__ import annotations

from dataclasses import replace

from nodes.kit.operations import apply_operations
from nodes.kit.spec import UpdateProfile
from runtime.flow.effects import EffectStep, Executor


def change(effect: UpdateProfile, step: EffectStep) -> None:
    """Replace the step's profile by the changed one."""
    attributes, tags = apply_operations(dict(step.profile.attributes), step.profile.tags,
                                        effect.operations)
    step.profile = replace(step.profile, attributes=attributes, tags=tags)


EXECUTOR = Executor(UpdateProfile, perform=change)
