"""Provider gateways: the real APIs of the providers Korean teams send through, one file each.

A gateway module (`runtime/messaging/gateways/<key>.py`) exports `GATEWAY`, a `GatewaySpec`:
its key, the channels it carries, the settings it reads and how to build it. A workspace picks a
gateway per channel with WAYLINE_<CHANNEL>_PROVIDER (`WAYLINE_SMS_PROVIDER=solapi`); the
gateway's own settings are WAYLINE_<GATEWAY>_<NAME> (`WAYLINE_SOLAPI_API_KEY`). A channel with
no provider named keeps the generic JSON dialect (`runtime.messaging.providers`, when
WAYLINE_<CHANNEL>_URL is set) or the outbox.

A built gateway is an adapter (`runtime.messaging.adapters.Adapter`, usually `AsyncAdapter`)
for every channel it carries, and may offer more, each found by `hasattr`:

- `reports(body, headers) -> list[ChannelReceipt]`: the provider's delivery-report webhook
  (POST /api/providers/<key>/reports), as receipts;
- `poll_reports(since) -> list[ChannelReceipt]`: delivery results asked for, for providers
  that keep them to be fetched rather than pushed;
- `submit_template(draft) -> Review` and `review(code) -> Review`: AlimTalk templates sent to
  Kakao's review through the provider, and their status;
- `opt_outs(since, lines) -> list[OptOut]`: the numbers that refused through a 080 line;
  `lines` are the free 080 numbers of the workspace's senders (a provider that keeps one list
  per account may ignore them).

Each message goes with its Wayline id, as the provider's idempotency or message key where the
API has one, so a repeated call after a lost job does not send twice; reports carry it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from nodes.kit.channel import Product, default_channels
from nodes.kit.discovery import Keyed, declarations
from runtime.messaging.receipts import Receipt

KEY_PATTERN = r"^[a-z][a-z0-9]*$"
"""Gateway keys: one lowercase word (it is the middle of WAYLINE_<GATEWAY>_<NAME>)."""


class GatewayError(ValueError):
    """A gateway module or its settings are wrong; the message names the file or variable."""


@dataclass(frozen=True)
class Setting:
    """One value a gateway reads, from WAYLINE_<GATEWAY>_<NAME>."""

    doc: str
    default: str = ""
    secret: bool = False
    required: bool = False
    parse: Callable[[str], str] = str
    """Checks and normalises the value; ValueError says what is wrong with it."""


@dataclass(frozen=True)
class GatewayConfig:
    """What a gateway is built from: its settings' values, and the workspace's limits."""

    values: Mapping[str, str]
    timeout: float = 10.0
    """Seconds the provider has to answer a call."""
    concurrency: int = 64
    """Calls in flight to the provider at once."""
    accounts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per channel, the account values its generic request names (sender number, sender key)."""
    assets: AssetLoader | None = None
    """Reads an uploaded image (MMS, Brand Message) by id, for the gateway to upload to the
    provider once (keyed by its digest)."""


@dataclass(frozen=True)
class AssetFile:
    """An uploaded image's bytes, as a gateway uploads it to the provider."""

    id: int
    name: str
    content_type: str
    sha256: str
    data: bytes


class AssetLoader:
    """Reads assets from the database, on a small engine of its own (gateways are built from
    settings, before and outside any session)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: Any = None

    def __call__(self, asset_id: int) -> AssetFile:
        """The asset's bytes; LookupError when there is no such asset."""
        from sqlalchemy import select

        from runtime.store.db import make_engine
        from runtime.store.sender_models import Asset

        if self._engine is None:
            self._engine = make_engine(self.database_url, pool_size=2) \
                if not self.database_url.startswith("sqlite") else make_engine(self.database_url)
        with self._engine.connect() as connection:
            row = connection.execute(select(Asset.id, Asset.name, Asset.content_type,
                                            Asset.sha256, Asset.data)
                                     .where(Asset.id == asset_id)).one_or_none()
        if row is None:
            raise LookupError(f"image {asset_id} is not in Wayline (deleted?)")
        return AssetFile(row.id, row.name, row.content_type, row.sha256, bytes(row.data))


@dataclass(frozen=True, kw_only=True)
class GatewaySpec:
    """Everything about one provider's API; see the module docstring."""

    key: str
    label: str
    """The provider's name, as people write it: 'Solapi', 'NHN Cloud'."""
    products: frozenset[Product]
    """The provider products it sends (`nodes.kit.channel.Product`): it carries every channel
    whose messages go by one of them."""
    settings: Mapping[str, Setting]
    build: Callable[[GatewayConfig], Any]
    """The gateway object for `config`: an adapter for each of its channels."""
    docs_url: str = ""

    @property
    def channels(self) -> frozenset[str]:
        """The channels it carries (channel keys)."""
        return frozenset(spec.key for spec in default_channels() if spec.product in self.products)


class ReviewStatus(StrEnum):
    """Where an AlimTalk template is in Kakao's review."""

    REGISTERED = "registered"      # saved with the provider, not yet asked to be reviewed
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    DORMANT = "dormant"            # approved, unused for a year: Kakao put it to sleep


@dataclass(frozen=True)
class Review:
    """A template's review as the provider says it: its code there, status and reason."""

    code: str
    status: ReviewStatus
    reason: str | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True)
class TemplateButton:
    """An AlimTalk button: a web link (WL), app link (AL), delivery lookup (DS) …"""

    kind: str
    name: str
    url_mobile: str = ""
    url_pc: str = ""


@dataclass(frozen=True)
class TemplateDraft:
    """An AlimTalk template to submit for review, with `#{variables}` in its text."""

    code: str
    name: str
    text: str
    sender_key: str
    category: str = ""
    """Kakao's category code (e.g. '004001' for delivery), when the provider asks for one."""
    message_type: str = "BA"
    """BA basic, EX extra information, AD channel-add, MI mixed."""
    emphasis: str = "NONE"
    title: str = ""
    """The emphasised title, when `emphasis` is 'TEXT'."""
    buttons: Sequence[TemplateButton] = ()


class OptOutVia(StrEnum):
    """How a number refused: by calling the 080 line (ARS), or entered by hand at the provider."""

    ARS = "ars"
    MANUAL = "manual"


@dataclass(frozen=True)
class OptOut:
    """A phone number that refused advertising through the provider's 080 line."""

    phone: str
    at: datetime
    via: OptOutVia = OptOutVia.ARS
    opt_out_number: str = ""
    """The 080 number it called, when the provider says."""


class IncompleteListError(Exception):
    """A provider listed some 080 lines' refusals but not every line's: `found` are those it
    listed (applied), and the lines are asked again from the same moment next time."""

    def __init__(self, message: str, found: list[OptOut]) -> None:
        super().__init__(message)
        self.found = found


@dataclass(frozen=True)
class ChannelReceipt:
    """A delivery report, with the channel the message went on."""

    channel: str
    receipt: Receipt


class Gateways(Keyed[GatewaySpec]):
    """The registry of provider gateways, by key."""

    def add(self, spec: GatewaySpec, origin: str) -> None:
        """Register one gateway; `origin` (its file) is named in errors."""
        if not re.match(KEY_PATTERN, spec.key):
            raise GatewayError(f"{origin}: gateway key {spec.key!r} must be one lowercase word")
        self.keep(spec.key, spec, origin, GatewayError, "gateway")


@cache
def gateways() -> Gateways:
    """Every gateway module in this package, checked."""
    found = Gateways()
    for spec, origin, _module in declarations(__name__, "GATEWAY", GatewaySpec, GatewayError,
                                              "a gateway module"):
        found.add(spec, origin)
    return found


def provider_of(extra: Mapping[str, str], channel: str) -> str:
    """The gateway WAYLINE_<CHANNEL>_PROVIDER names for a channel ('' for none)."""
    return extra.get(f"{channel}_provider", "").strip().lower()


def config_values(spec: GatewaySpec, extra: Mapping[str, str]) -> dict[str, str]:
    """A gateway's settings from WAYLINE_<GATEWAY>_<NAME>, parsed, defaults filled in;
    GatewayError naming the variable when one is missing or wrong."""
    values: dict[str, str] = {}
    for name, setting in spec.settings.items():
        variable = f"WAYLINE_{spec.key.upper()}_{name.upper()}"
        raw = extra.get(f"{spec.key}_{name}", "").strip()
        if not raw:
            if setting.required:
                raise GatewayError(f"{variable} must be set: {setting.doc}")
            values[name] = setting.default
            continue
        try:
            values[name] = setting.parse(raw)
        except ValueError as error:
            shown = "***" if setting.secret else repr(raw)
            raise GatewayError(f"{variable}={shown}: {error}") from None
    return values


def chosen(extra: Mapping[str, str], channels: Sequence[str]) -> dict[str, GatewaySpec]:
    """The gateway each channel names, checked: it exists and carries that channel."""
    registry = gateways()
    picked: dict[str, GatewaySpec] = {}
    for channel in channels:
        key = provider_of(extra, channel)
        if not key or key in ("http", "json"):
            continue
        spec = registry.get(key)
        if spec is None:
            known = ", ".join(["http", *registry.keys()])
            raise GatewayError(f"WAYLINE_{channel.upper()}_PROVIDER={key!r} is no provider "
                               f"Wayline knows; use one of: {known}")
        if channel not in spec.channels:
            carried = ", ".join(sorted(spec.channels))
            raise GatewayError(f"WAYLINE_{channel.upper()}_PROVIDER={key!r}: {spec.label} "
                               f"does not carry {channel}; it carries {carried}")
        picked[channel] = spec
    return picked


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every gateway setting, for the README and --help."""
    return [(f"WAYLINE_{spec.key.upper()}_{name.upper()}", setting.default,
             f"{spec.label}: {setting.doc}")
            for spec in gateways() for name, setting in spec.settings.items()]


def product_of(channel: str) -> Product | None:
    """The provider product a channel's messages go by (what a gateway sends them as)."""
    spec = default_channels().get(channel)
    return spec.product if spec else None


def channel_of(product: Product) -> str:
    """The channel whose messages go by `product` (the first, in menu order): where a
    provider's report or account for that product belongs."""
    return next(spec.key for spec in default_channels() if spec.product is product)
