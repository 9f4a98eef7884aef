"""The canvas's calls for senders and AlimTalk template review (a part of
`server.ui_services.CALLS`)."""

from __future__ import annotations

from builder.ui.services import Json
from server.schemas.senders import ReviewSet, SenderIn
from server.services import senders, template_reviews
from server.ui_calls import Acting, Call, Do, Entry, convert, plain


def _save_sender(me: Acting, sender: Json, sender_id: int | None) -> Json:
    data = convert(sender, SenderIn, "sender")
    return plain(senders.save_sender(me.wl, me.actor, data,
                                     None if sender_id is None else int(sender_id)))


SENDER_CALLS: dict[str, Entry] = {
    "list_senders": Call(senders.list_senders),
    "save_sender": Do(_save_sender),
    "delete_sender": Call(senders.delete_sender, acts=True),
    "get_template_review": Call(template_reviews.get_review),
    "submit_template_review": Call(template_reviews.submit_review, acts=True),
    "refresh_template_review": Call(template_reviews.refresh_review, acts=True),
    "set_template_review": Call(template_reviews.set_review, acts=True, data=ReviewSet,
                                what="review status"),
}
"""Each sender or review call → the service answering it."""
