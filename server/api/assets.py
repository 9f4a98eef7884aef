"""/api/assets: the uploaded images messages carry, for previews (read behind the template
permission; uploads go through the Messages page)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import PathParameter

from server.api.params import WaylineDep
from server.errors import errors
from server.services import assets

AssetId = Annotated[int, PathParameter(ge=1, le=2**62, description="The image's id.")]


class AssetController(Controller):
    """Read an uploaded image."""

    path = "/api/assets"
    tags = ["templates"]

    @get("/{asset_id:int}", sync_to_thread=True, media_type="image/jpeg",
         responses=errors(404, 422))
    def read(self, wayline: WaylineDep, asset_id: AssetId) -> Response[bytes]:
        """The image's bytes, as uploaded (JPEG or PNG); cached a day, as it never changes."""
        content_type, data = assets.asset_bytes(wayline, asset_id)
        return Response(data, media_type=content_type,
                        headers={"Cache-Control": "private, max-age=86400",
                                 "X-Content-Type-Options": "nosniff"})
