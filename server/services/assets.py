"""Uploaded images (the `assets` table): MMS pictures and Brand Message images.

An upload is judged by its bytes, never its file name: Pillow reads the real format and pixel
size from the header (refusing anything but JPEG and PNG, anything larger than
`UPLOAD_MAX_BYTES` or `UPLOAD_MAX_PIXELS` before decoding it), then decodes it once to be sure
it is whole. Each channel's own limits (MMS: JPEG, 200 KB; Brand Message: 500 px wide, shapes)
are applied where a template uses the image (`template_image_issues`), because one image may
serve several channels. An image is stored once per content (sha256): uploading it again
answers the stored one.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from typing import Any

import msgspec
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from nodes.kit.channel import channel
from nodes.kit.images import (
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_PIXELS,
    UPLOAD_TYPES,
    ImageFacts,
    image_problems,
)
from runtime.errors import InvalidInputError, NotFoundError
from runtime.store.audit import Actor, record
from runtime.store.sender_models import Asset
from server.context import Wayline

NAME_MAX = 200
"""Characters of a file name kept (it only helps marketers tell images apart)."""

LISTED = 200
"""Images the template form offers, newest first."""


class AssetOut(msgspec.Struct):
    """An uploaded image, as forms list it (the bytes are at /api/assets/{id})."""

    id: int
    name: str
    content_type: str
    size: int
    width: int
    height: int


def read_image(data: bytes) -> tuple[str, int, int]:
    """(content type, width, height) of an upload; InvalidInputError listing what is wrong."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise refused(f"The image is {-(-len(data) // 1024):,} KB; at most "
                      f"{UPLOAD_MAX_BYTES // 1024:,} KB may be uploaded. Make it smaller")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format or "", image.size
                readable = kind in UPLOAD_TYPES and max(width, height) <= UPLOAD_MAX_PIXELS
                if readable:
                    image.load()  # a truncated or corrupt file fails here, not at the provider
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused("The file is not an image Wayline can read; upload a JPEG or "
                      "PNG") from None
    if kind not in UPLOAD_TYPES:
        raise refused(f"The file is a {kind} image; upload a JPEG or PNG")
    if max(width, height) > UPLOAD_MAX_PIXELS:
        raise refused(f"The image is {width:,}×{height:,} pixels; at most "
                      f"{UPLOAD_MAX_PIXELS:,} on each side")
    return UPLOAD_TYPES[kind], width, height


def upload_asset(wl: Wayline, actor: Actor, name: str, data: bytes) -> AssetOut:
    """Store an uploaded image (or find the same bytes stored already)."""
    content_type, width, height = read_image(data)
    digest = hashlib.sha256(data).hexdigest()
    name = (name.strip().rsplit("/", 1)[-1] or "image")[:NAME_MAX]
    with wl.writing() as session:
        same = session.scalars(select(Asset).where(Asset.sha256 == digest)).first()
        if same is not None:
            return _out(same)
        asset = Asset(name=name, content_type=content_type, size=len(data), width=width,
                      height=height, sha256=digest, data=data, created_at=wl.now())
        session.add(asset)
        session.flush()
        record(session, actor, "asset.uploaded", object_kind="asset", object_id=asset.id,
               object_name=name, at=wl.now())
        return _out(asset)


def list_assets(wl: Wayline) -> list[AssetOut]:
    """The uploaded images, newest first."""
    with wl.reading() as session:
        rows = session.execute(select(
            Asset.id, Asset.name, Asset.content_type, Asset.size, Asset.width, Asset.height)
            .order_by(Asset.id.desc()).limit(LISTED)).all()
    return [AssetOut(row.id, row.name, row.content_type, row.size, row.width or 0,
                     row.height or 0) for row in rows]


def asset_bytes(wl: Wayline, asset_id: int) -> tuple[str, bytes]:
    """An image's content type and bytes (NotFoundError for an unknown id)."""
    with wl.reading() as session:
        row = session.execute(select(Asset.content_type, Asset.data)
                              .where(Asset.id == asset_id)).one_or_none()
    if row is None:
        raise NotFoundError("asset", asset_id)
    return row.content_type, bytes(row.data)


def template_image_issues(session: Session, channel_key: str,
                          options: dict[str, Any]) -> list[dict[str, str]]:
    """Problems with the images a template uses, by the limits of where each goes."""
    spec = channel(channel_key)
    draft = _Shape(options)
    try:
        uses = spec.image_uses(draft)
    except (TypeError, ValueError, AttributeError):
        return []  # a malformed option: the channel's own check reports it
    if not uses:
        return []
    ids = {use.asset for use in uses}
    facts = {row.id: ImageFacts(row.id, row.name, row.content_type, row.size, row.width or 0,
                                row.height or 0)
             for row in session.execute(select(
                 Asset.id, Asset.name, Asset.content_type, Asset.size, Asset.width,
                 Asset.height).where(Asset.id.in_(ids)))}
    return [{"code": "template.invalid", "field": where, "message": message[0].upper() +
             message[1:]} for where, message in image_problems(uses, facts,
                                                               spec.images_max_total)]


class _Shape:
    """Just enough of a template for `image_uses`, which reads only options."""

    subject = None
    source = ""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


def _out(asset: Asset) -> AssetOut:
    return AssetOut(asset.id, asset.name, asset.content_type, asset.size, asset.width or 0,
                    asset.height or 0)


def refused(message: str) -> InvalidInputError:
    """An upload refused, with why on its field."""
    return InvalidInputError(message, [{"code": "asset.invalid", "field": "file",
                                        "message": message}])
