"""The canvas's calls for uploaded images (a part of `server.ui_services.CALLS`): the Messages
page lists them in the template form and uploads new ones (the browser sends the file's bytes
as base64; `server.services.assets` judges them by their content)."""

from __future__ import annotations

import base64
import binascii

from builder.ui.services import Json
from nodes.kit.images import UPLOAD_MAX_BYTES
from runtime.errors import InvalidInputError
from server.services import assets
from server.ui_calls import Acting, Do, Entry, plain

ENCODED_MAX = (UPLOAD_MAX_BYTES + 2) // 3 * 4
"""The longest base64 text an upload within the limit makes: longer is refused undecoded."""


def _list(me: Acting) -> list[Json]:
    return plain(assets.list_assets(me.wl))


def _upload(me: Acting, name: str, data: str) -> Json:
    encoded = str(data or "")
    if len(encoded) > ENCODED_MAX:
        size = len(encoded) * 3 // 4
        raise assets.refused(f"The image is about {size // 1024:,} KB; at most "
                             f"{UPLOAD_MAX_BYTES // 1024:,} KB may be uploaded. Make it smaller")
    try:
        image = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("The upload did not arrive whole; try again", [
            {"code": "asset.invalid", "field": "file",
             "message": "The upload did not arrive whole; try again"}]) from None
    return plain(assets.upload_asset(me.wl, me.actor, str(name or "")[:500], image))


ASSET_CALLS: dict[str, Entry] = {
    "list_assets": Do(_list),
    "upload_asset": Do(_upload),
}
