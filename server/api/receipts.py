"""/api/receipts/{channel}: delivery reports from SMS, KakaoTalk, push (and email) providers.

Providers authenticate with the API key (X-Api-Key or Authorization: Bearer), or with the
receipt secret (X-Receipt-Secret, WAYLINE_RECEIPT_SECRET) when the provider can only be given
a fixed header, so it never needs the key that can write customers.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import FromPath, JSONBody

from server.api.params import WaylineDep
from server.errors import errors
from server.schemas.receipts import ReceiptBatchIn, ReceiptBatchResult, ReceiptChannel
from server.services import receipts


class ReceiptController(Controller):
    """Delivered or failed, as the provider saw it: the message moves and an event is recorded."""

    path = "/api/receipts"
    tags = ["events"]

    @post("/{channel:str}", sync_to_thread=True, status_code=200, responses=errors(401, 422))
    def record(self, wayline: WaylineDep, channel: FromPath[ReceiptChannel],
               data: JSONBody[ReceiptBatchIn]) -> ReceiptBatchResult:
        """Apply up to 1,000 receipts in order; each is reported (needs the API key or the
        receipt secret)."""
        return receipts.record_receipts(wayline, channel.value, data)
