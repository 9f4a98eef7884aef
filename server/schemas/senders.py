"""What the Senders card and AlimTalk review take and give (runtime.messaging.senders,
runtime.messaging.reviews)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

SenderKind = Literal["phone", "kakao"]
SenderStatus = Literal["registered", "pending", "rejected"]
ReviewState = Literal["registered", "under_review", "approved", "rejected", "dormant"]


class SenderIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A sender number or Kakao sender profile as an admin enters it."""

    kind: SenderKind
    value: Annotated[str, msgspec.Meta(max_length=128)]
    name: Annotated[str, msgspec.Meta(max_length=100)]
    status: SenderStatus = "pending"
    opt_out_number: Annotated[str, msgspec.Meta(max_length=20)] = ""
    friends: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)] | None = None
    is_default: bool = False
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SenderOut(msgspec.Struct, kw_only=True):
    """A sender as the card lists it; `id` None for the environment's (not editable)."""

    id: int | None
    kind: SenderKind
    value: str
    shown: str
    """The number as people write it (02-1234-5678), or the sender key, masked when it comes
    from the environment."""
    name: str
    status: SenderStatus
    opt_out_number: str
    opt_out_shown: str
    """The 080 number as people write it (080-123-4567), '' for none."""
    friends: int | None
    is_default: bool
    note: str
    from_environment: bool


class ReviewOut(msgspec.Struct, kw_only=True):
    """A template's review: where it stands, and what the editor can do about it."""

    template_id: int
    status: ReviewState | None
    """None: never submitted."""
    reason: str = ""
    provider: str = ""
    code: str = ""
    submitted_at: datetime | None = None
    checked_at: datetime | None = None
    edited_since: bool = False
    """The template changed after it was submitted: its text needs a new review."""
    can_submit: bool = False
    """A configured gateway takes submissions (else an admin sets the status by hand)."""


class ReviewSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A status set by hand, as the provider's console shows it."""

    status: ReviewState
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    code: Annotated[str, msgspec.Meta(max_length=64)] = ""
