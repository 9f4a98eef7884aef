"""/api/coupons: pools of unique coupon codes that "Give a coupon" steps hand out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from litestar import Controller, Request, delete, get, post
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import JSONBody, PathParameter

from server.api.params import ActorDep, WaylineDep
from server.body_limits import BATCH_BODY
from server.errors import errors
from server.schemas.coupons import (
    CodesAdded,
    CouponPoolCreate,
    CouponPoolDetail,
    CouponPoolPage,
    GenerateCodes,
)
from server.services import coupons

PoolId = Annotated[int, PathParameter(ge=1, le=2**62, description="The pool's id.")]


@dataclass
class CodesUpload(Operation):
    """The upload's OpenAPI operation: its body is the codes as text (text/csv)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, description=(
            "One code a line, or a CSV whose first column is the code (a header 'code' is "
            "skipped). Letters, digits, - and _, up to 100 characters."),
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))})


class CouponController(Controller):
    """Make, fill, read and delete coupon pools."""

    path = "/api/coupons"
    tags = ["coupons"]

    @get("/", sync_to_thread=True)
    def index(self, wayline: WaylineDep) -> CouponPoolPage:
        """Every pool, with codes given and left and how many journeys use it."""
        return coupons.list_pools(wayline)

    @post("/", sync_to_thread=True, responses=errors(422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[CouponPoolCreate]) -> CouponPoolDetail:
        """Make an empty pool (422 on a name already taken)."""
        return coupons.create_pool(wayline, actor, data)

    @get("/{pool_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, pool_id: PoolId) -> CouponPoolDetail:
        """A pool, its counts and the journeys that use it."""
        return coupons.get_pool(wayline, pool_id)

    @delete("/{pool_id:int}", sync_to_thread=True, responses=errors(404, 409, 422))
    def remove(self, wayline: WaylineDep, actor: ActorDep, pool_id: PoolId) -> None:
        """Delete a pool and its codes; refused (409, naming them) while journeys use it."""
        coupons.delete_pool(wayline, actor, pool_id)

    @post("/{pool_id:int}/codes", status_code=200, operation_class=CodesUpload,
          request_max_body_size=BATCH_BODY, responses=errors(404, 413, 422))
    async def upload(self, request: Request, wayline: WaylineDep, actor: ActorDep,
                     pool_id: PoolId) -> CodesAdded:
        """Add codes from text or CSV: lines that aren't codes are reported with their number,
        the others load; codes the pool has already are skipped."""
        text = (await request.body()).decode("utf-8-sig", errors="replace")
        return await anyio.to_thread.run_sync(coupons.add_codes, wayline, actor, pool_id, text)

    @post("/{pool_id:int}/generate", sync_to_thread=True, status_code=200,
          responses=errors(404, 422))
    def generate(self, wayline: WaylineDep, actor: ActorDep, pool_id: PoolId,
                 data: JSONBody[GenerateCodes]) -> CodesAdded:
        """Add random codes (up to 100,000 at a time)."""
        return coupons.generate_codes(wayline, actor, pool_id, data)
