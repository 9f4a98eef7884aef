"""/api/receipts/{channel}: delivery reports from SMS, KakaoTalk, push (and email) providers.

Providers authenticate with the API key (X-Api-Key or Authorization: Bearer), or with the
receipt secret (X-Receipt-Secret, WAYLINE_RECEIPT_SECRET) when the provider can only be given
a fixed header, so it never needs the key that can write customers.
"""

from __future__ import annotations

import hmac

from litestar import Controller, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from server.api.params import WaylineDep
from server.auth import require_api_key
from server.errors import errors
from server.schemas.receipts import ReceiptBatchIn, ReceiptBatchResult, ReceiptChannel
from server.services import receipts

RECEIPT_SECRET_HEADER = "x-receipt-secret"


def require_provider(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard: the receipt secret, else the API key (which says what is missing if neither)."""
    presented = connection.headers.get(RECEIPT_SECRET_HEADER)
    expected = connection.app.state.wayline.settings.receipt_secret
    if presented is not None:
        if expected and hmac.compare_digest(presented.strip().encode(), expected.encode()):
            return
        raise NotAuthorizedException("The receipt secret is not valid: send the value of "
                                     "WAYLINE_RECEIPT_SECRET as X-Receipt-Secret, or the API key.")
    require_api_key(connection, handler)


class ReceiptController(Controller):
    """Delivered or failed, as the provider saw it: the message moves and an event is recorded."""

    path = "/api/receipts"
    tags = ["events"]
    guards = [require_provider]

    @post("/{channel:str}", sync_to_thread=True, status_code=200, responses=errors(401, 422))
    def record(self, wayline: WaylineDep, channel: FromPath[ReceiptChannel],
               data: JSONBody[ReceiptBatchIn]) -> ReceiptBatchResult:
        """Apply up to 1,000 receipts in order; each is reported (needs the API key or the
        receipt secret)."""
        return receipts.record_receipts(wayline, channel.value, data)
