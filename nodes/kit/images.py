"""Images a message carries: what Wayline knows of an uploaded one, and the limits channels put
on them.

An image is uploaded once (the `assets` table) and a template names it by id. The facts here are
read from the image's own bytes when it is uploaded (type, size, pixels), never from its file
name, so a channel can refuse a template whose images its provider would refuse, when the
template is saved rather than when a customer's message fails.
"""

from __future__ import annotations

from dataclasses import dataclass

UPLOAD_MAX_BYTES = 500 * 1024
"""The largest image accepted at all: Kakao's Brand Message limit as the strictest provider
states it (NHN Cloud: 500 KB per image); MMS allows less (`MMS_IMAGE_MAX_BYTES`)."""

UPLOAD_MAX_PIXELS = 4000
"""The widest or tallest image accepted: no message shows more, and it bounds decoding."""

UPLOAD_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
"""Image formats accepted (by what the bytes are), and the content type each is stored with."""


@dataclass(frozen=True)
class ImageFacts:
    """An uploaded image as its bytes describe it."""

    id: int
    name: str
    content_type: str
    size: int
    width: int
    height: int


class ImageLimits:
    """What one use of an image allows: types, bytes, pixels and shape (width ÷ height)."""

    def __init__(self, what: str, *, types: tuple[str, ...] = ("image/jpeg", "image/png"),
                 max_bytes: int = UPLOAD_MAX_BYTES, min_width: int = 0,
                 max_width: int = UPLOAD_MAX_PIXELS, max_height: int = UPLOAD_MAX_PIXELS,
                 ratio: tuple[float, float] | None = None) -> None:
        self.what, self.types, self.max_bytes = what, types, max_bytes
        self.min_width, self.max_width, self.max_height = min_width, max_width, max_height
        self.ratio = ratio

    def problems(self, image: ImageFacts) -> list[str]:
        """Why this image cannot be used here (empty when it can)."""
        found = []
        if image.content_type not in self.types:
            kinds = " or ".join(kind.removeprefix("image/").upper() for kind in self.types)
            found.append(f"{self.what} must be {kinds}; '{image.name}' is "
                         f"{image.content_type.removeprefix('image/').upper()}")
        if image.size > self.max_bytes:
            found.append(f"{self.what} may be at most {self.max_bytes // 1024:,} KB; "
                         f"'{image.name}' is {-(-image.size // 1024):,} KB")
        if image.width < self.min_width:
            found.append(f"{self.what} must be at least {self.min_width:,} pixels wide; "
                         f"'{image.name}' is {image.width:,}")
        if image.width > self.max_width or image.height > self.max_height:
            found.append(f"{self.what} may be at most {self.max_width:,}×{self.max_height:,} "
                         f"pixels; '{image.name}' is {image.width:,}×{image.height:,}")
        if self.ratio and image.height and not (
                self.ratio[0] - 0.01 <= image.width / image.height <= self.ratio[1] + 0.01):
            found.append(self._shape(image))
        return found


    def _shape(self, image: ImageFacts) -> str:
        assert self.ratio is not None
        low, high = self.ratio
        if low == high:
            return (f"{self.what} must be {_ratio(low)} (width:height); '{image.name}' is "
                    f"{image.width:,}×{image.height:,}")
        return (f"{self.what} must be between {_ratio(high)} and {_ratio(low)} "
                f"(width:height); '{image.name}' is {image.width:,}×{image.height:,}")


def _ratio(value: float) -> str:
    return {2.0: "2:1", 1.0: "1:1", 0.75: "3:4"}.get(value, f"{value:.2f}:1")


def asset_ids(value: object) -> list[int]:
    """The image ids in a template value (an id, a list of ids, or rows holding `asset`)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [found for item in value for found in asset_ids(
            item.get("asset") if isinstance(item, dict) else item)]
    return []


@dataclass(frozen=True)
class ImageUse:
    """One image a template uses: where (the form field), which asset, and its limits."""

    field: str
    asset: int
    limits: ImageLimits


def image_problems(uses: list[ImageUse], facts: dict[int, ImageFacts],
                   max_total: int | None = None) -> list[tuple[str, str]]:
    """(field, why) for each image a template may not use: missing, or past its limits."""
    found = []
    for use in uses:
        image = facts.get(use.asset)
        if image is None:
            found.append((use.field, f"image #{use.asset} does not exist (any more); "
                                     "upload it again and pick it"))
            continue
        found.extend((use.field, problem) for problem in use.limits.problems(image))
    total = sum(facts[use.asset].size for use in uses if use.asset in facts)
    if max_total is not None and total > max_total and uses:
        found.append((uses[0].field, f"the images together may be at most "
                                     f"{max_total // 1024:,} KB; these are "
                                     f"{-(-total // 1024):,} KB"))
    return found
