"""/api/providers/{gateway}/reports: delivery reports posted by a provider gateway (Solapi's
webhook), in the provider's own shape; the gateway reads them (`reports(body, headers)`).

Providers authenticate like /api/receipts: the API key, or the receipt secret as the
X-Receipt-Secret header or, for providers that can only be given an address (Solapi's webhook
setting takes a URL and nothing else), as `?secret=` in the address. Both are compared in
constant time (`server.security.keys.receipt_principal`).
"""

from __future__ import annotations

import anyio
from litestar import Controller, Request, post
from litestar.params import FromPath

from server.api.params import WaylineDep
from server.body_limits import BATCH_BODY
from server.errors import errors
from server.schemas.receipts import ReceiptBatchResult
from server.services import receipts


class ProviderReportController(Controller):
    """Delivered or failed, as a provider's webhook says: the messages move."""

    path = "/api/providers"
    tags = ["events"]

    @post("/{gateway:str}/reports", status_code=200, request_max_body_size=BATCH_BODY,
          responses=errors(401, 404, 413, 422))
    async def reports(self, request: Request, wayline: WaylineDep,
                      gateway: FromPath[str]) -> ReceiptBatchResult:
        """Apply a provider's delivery reports (404 for a provider not in use here or that
        posts none; 422 for a body it cannot read)."""
        body = await request.body()
        return await anyio.to_thread.run_sync(receipts.provider_reports, wayline, gateway,
                                              body, dict(request.headers))
