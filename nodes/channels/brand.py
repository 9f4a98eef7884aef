"""Kakao Brand Message: KakaoTalk marketing, the successor of 친구톡 (ended 2025-12-31).

A template picks whom the message may reach (`targeting`: I — the Kakao channel's friends only;
M — every recipient who consented to marketing; N — consented recipients who are not friends)
and a format, each with its own parts and Kakao's limits (`FORMATS`, the strictest of Kakao's
guide as NHN Cloud, NCP SENS and Infobip state it):

- text (FT): a text of up to 1,000 characters and up to 5 buttons;
- image (FI): an image (2:1 to 3:4, ≥ 500 px wide), a text of up to 400 characters, 5 buttons;
- wide (FW): a wide image (2:1 to 1:1), a text of up to 76 characters, 2 buttons;
- wide_list (FL): a header (≤ 20 characters) and 3–4 items (a title of ≤ 25 characters, an
  image — the first 2:1, the others 1:1 — and a link), 2 buttons;
- carousel (FC): 2–6 cards, each a header (≤ 20), a text (≤ 180), an image and 1–2 buttons.

Buttons are web links ("name = URL", names of at most 14 characters, 8 where Kakao lays them
side by side). Images are uploaded assets, by id.

Brand Message is advertising by nature (정보통신망법 제50조; Kakao's own terms), so every
message is marketing (`marketing_only`): it needs the customer's marketing consent on the
channel, carries "(광고)" at the very start of its text and the opt-out line at the end
(제50조 ④, 시행령 제61조 — counsel should confirm the wording), and is refused by the providers
from 20:50 to 08:00 Korean time (NCP code 3022), whatever the customer's night-time consent
(`closed`). M and N targeting need a Kakao profile with 50,000 channel friends and an 080
opt-out number, checked when a journey is published (`server.services.brand_checks`). A send
step may turn on the SMS fallback: the text (as labelled) goes by SMS/LMS when KakaoTalk cannot
deliver.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from nodes.kit.channel import (
    LIQUID_HELP,
    Address,
    ChannelSpec,
    ClosedHours,
    ContentError,
    Fallback,
    LabelStyle,
    Part,
    Problem,
    Product,
    TemplateShape,
    Transport,
)
from nodes.kit.hints import hint
from nodes.kit.images import ImageLimits, ImageUse


class Targeting(StrEnum):
    """Whom a Brand Message may reach (Kakao's targeting codes)."""

    I = "I"  # noqa: E741 - Kakao's own code
    M = "M"
    N = "N"


WIDE_TARGETING = frozenset({"M", "N"})
"""Targetings that reach beyond the channel's friends: need an eligible Kakao profile."""

MIN_FRIENDS = 50_000
"""Channel friends a Kakao profile needs before Kakao lets it send to M or N."""


class Format(StrEnum):
    """How the message looks: Kakao's FT, FI, FW, FL and FC."""

    TEXT = "text"
    IMAGE = "image"
    WIDE = "wide"
    WIDE_LIST = "wide_list"
    CAROUSEL = "carousel"


PHOTO = ImageLimits("The image", min_width=500, ratio=(0.75, 2.0))
WIDE_PHOTO = ImageLimits("The wide image", min_width=500, ratio=(1.0, 2.0))
FIRST_ITEM = ImageLimits("The first item's image", min_width=500, ratio=(2.0, 2.0))
ITEM = ImageLimits("An item's image", min_width=250, ratio=(1.0, 1.0))
CARD = ImageLimits("A card's image", min_width=500, ratio=(1.0, 2.0))


@dataclass(frozen=True)
class FormatRules:
    """What one format allows: its text, its buttons (how many, how long their names)."""

    code: str
    text_max: int | None
    buttons_max: int
    button_name_max: int


FORMATS = {
    Format.TEXT: FormatRules("FT", 1000, 5, 14),
    Format.IMAGE: FormatRules("FI", 400, 5, 14),
    Format.WIDE: FormatRules("FW", 76, 2, 8),
    Format.WIDE_LIST: FormatRules("FL", None, 2, 8),
    Format.CAROUSEL: FormatRules("FC", None, 2, 8),
}
"""Kakao's limits per format (characters; the strictest of the providers' guides)."""

HEADER_MAX, ITEM_TITLE_MAX, CARD_TEXT_MAX = 20, 25, 180
ITEMS, CARDS = (3, 4), (2, 6)
"""A wide list's header and item titles; a card's text; items and cards, fewest and most."""

TARGETING_LABELS = {"I": "I — channel friends only", "M": "M — everyone who agreed to marketing",
                    "N": "N — those who agreed, not friends"}
FORMAT_LABELS = {"text": "Text", "image": "Image", "wide": "Wide image",
                 "wide_list": "Wide list", "carousel": "Carousel"}
"""The choices as the form names them."""

WITH_TEXT = ["text", "image", "wide"]
WITH_IMAGE = ["image", "wide"]
WITH_BUTTONS = ["text", "image", "wide", "wide_list"]

Url = Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$", max_length=1000)]
ButtonName = Annotated[str, msgspec.Meta(min_length=1, max_length=14)]


class Item(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A wide list's item: a title, an image and where it leads."""

    title: Annotated[str, hint("Title", order=1, max_length=ITEM_TITLE_MAX)] = ""
    asset: Annotated[int, hint("Image", order=2, widget="image")] | None = None
    url_mobile: Annotated[str, hint("Link", order=3, max_length=1000,
                                    extra={"placeholder": "https://"})] = ""


class Card(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A carousel card: header, text, image and one or two buttons."""

    header: Annotated[str, hint("Header", order=1, max_length=HEADER_MAX)] = ""
    text: Annotated[str, hint("Text", order=2, widget="textarea",
                              max_length=CARD_TEXT_MAX)] = ""
    asset: Annotated[int, hint("Image", order=3, widget="image")] | None = None
    buttons: Annotated[dict[ButtonName, Url], hint(
        "Buttons", order=4, widget="pairs", max_length=2,
        extra={"rows": 2, "separator": " = "})] = {}


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A Brand Message template: targeting, format, and the parts that format has."""

    targeting: Annotated[Targeting, hint(
        "Who may receive it", order=1, extra={"labels": TARGETING_LABELS},
        description="I: the channel's friends only. M: everyone who agreed to marketing. "
                    "N: those who agreed and are not friends. M and N need a Kakao profile "
                    "with 50,000 friends and an 080 opt-out number.")] = Targeting.I
    format: Annotated[Format, hint("Format", order=2,
                                   extra={"labels": FORMAT_LABELS})] = Format.TEXT
    source: Annotated[str, hint(
        "Message", order=3, widget="textarea", max_length=1000, extra={"rows": 5},
        description=LIQUID_HELP + " Text: up to 1,000 characters; with an image 400; "
                    "wide image 76.", show_if={"format": WITH_TEXT})] = ""
    image: Annotated[int, hint("Image", order=4, widget="image",
                               show_if={"format": WITH_IMAGE})] | None = None
    image_link: Annotated[str, hint("Where the image leads", order=5, max_length=1000,
                                    show_if={"format": WITH_IMAGE},
                                    extra={"placeholder": "https://"})] = ""
    header: Annotated[str, hint("Header", order=6, max_length=HEADER_MAX,
                                show_if={"format": ["wide_list"]})] = ""
    items: Annotated[list[Item], hint(
        "Items", order=7, widget="rows", max_length=ITEMS[1], extra={"row": "Item"},
        description="3 or 4 items: a title, an image (the first 2:1, the others square) and "
                    "a link.", show_if={"format": ["wide_list"]})] = []
    carousel: Annotated[list[Card], hint(
        "Cards", order=8, widget="rows", max_length=CARDS[1], extra={"row": "Card"},
        description="2 to 6 cards, each a header, a text, an image and 1–2 buttons.",
        show_if={"format": ["carousel"]})] = []
    buttons: Annotated[dict[ButtonName, Url], hint(
        "Buttons", order=9, widget="pairs", max_length=5, extra={"rows": 2, "separator": " = "},
        description="One per line: name = https://… (at most 5 with a text or an image, 2 "
                    "with a wide image or list).", show_if={"format": WITH_BUTTONS})] = {}


def _options(template: TemplateShape) -> Mapping[str, Any]:
    return template.options or {}


def _format(template: TemplateShape) -> Format:
    try:
        return Format(_options(template).get("format") or Format.TEXT)
    except ValueError:
        return Format.TEXT


def parts(template: TemplateShape) -> Iterator[Part]:
    """The text, a wide list's header and item titles, each card's header and text."""
    options, kind = _options(template), _format(template)
    if kind in (Format.TEXT, Format.IMAGE, Format.WIDE):
        yield "text", template.source, False
    if kind is Format.WIDE_LIST:
        yield "header", str(options.get("header") or ""), False
        for number, item in enumerate(options.get("items") or []):
            yield f"item:{number}", str(item.get("title") or ""), False
    if kind is Format.CAROUSEL:
        for number, card in enumerate(options.get("carousel") or []):
            yield f"card:{number}:header", str(card.get("header") or ""), False
            yield f"card:{number}:text", str(card.get("text") or ""), False


def buttons(named: Mapping[str, str] | None) -> list[dict[str, str]]:
    """Web-link buttons as the content carries them."""
    return [{"name": name, "kind": "WL", "url_mobile": url, "url_pc": url}
            for name, url in (named or {}).items()]


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """The message in the shape every gateway takes; for a list or carousel, `text` is what
    it says in order (what the label starts, and what an SMS fallback sends)."""
    options, kind = _options(template), _format(template)
    message: dict[str, Any] = {"to": to, "targeting": str(options.get("targeting") or "I"),
                               "format": kind.value}
    if kind in (Format.IMAGE, Format.WIDE):
        message["image"] = {"asset": options.get("image"),
                            "link": str(options.get("image_link") or "")}
    if kind is Format.WIDE_LIST:
        message["header"] = rendered["header"]
        message["items"] = [{"title": rendered[f"item:{number}"], "asset": item.get("asset"),
                             "url_mobile": str(item.get("url_mobile") or "")}
                            for number, item in enumerate(options.get("items") or [])]
        lines = [message["header"], *(item["title"] for item in message["items"])]
    elif kind is Format.CAROUSEL:
        message["carousel"] = [{"header": rendered[f"card:{number}:header"],
                                "text": rendered[f"card:{number}:text"],
                                "asset": card.get("asset"), "buttons": buttons(card.get("buttons"))}
                               for number, card in enumerate(options.get("carousel") or [])]
        lines = [f"{card['header']}\n{card['text']}" for card in message["carousel"]]
    else:
        lines = [rendered["text"]]
    message["text"] = "\n".join(line for line in lines if line)
    if kind is not Format.CAROUSEL and options.get("buttons"):
        message["buttons"] = buttons(options.get("buttons"))
    if not message["text"].strip():
        raise ContentError("the Brand Message says nothing for this customer; check its text")
    return message


def check(template: TemplateShape) -> list[Problem]:
    """The format's parts, within Kakao's limits; nothing another format has."""
    options, kind = _options(template), _format(template)
    rules = FORMATS[kind]
    problems = [Problem("subject", "Brand Messages have no subject; remove it, or put it at "
                                   "the start of the message")] if template.subject else []
    if kind in (Format.TEXT, Format.IMAGE, Format.WIDE):
        problems += _text_problems(template.source, rules)
    if kind in (Format.IMAGE, Format.WIDE) and options.get("image") is None:
        problems.append(Problem("options.image", "Pick or upload the image this format shows"))
    if kind is Format.WIDE_LIST:
        problems += _list_problems(options)
    if kind is Format.CAROUSEL:
        problems += _carousel_problems(options)
    named = options.get("buttons") or {}
    if kind is Format.CAROUSEL and named:
        problems.append(Problem("options.buttons", "A carousel's buttons go on its cards; clear "
                                                   "these"))
    elif len(named) > rules.buttons_max:
        problems.append(Problem("options.buttons", f"This format has at most "
                                                   f"{rules.buttons_max} buttons; remove some"))
    problems += _button_names("options.buttons", named, rules.button_name_max)
    return problems + _leftovers(options, kind)


def _text_problems(source: str, rules: FormatRules) -> list[Problem]:
    if not source.strip():
        return [Problem("source", "The message is empty; write what it should say")]
    if rules.text_max is not None and len(source) > rules.text_max:
        return [Problem("source", f"This format's text is at most {rules.text_max:,} characters "
                                  f"(the label and opt-out line count too); it is "
                                  f"{len(source):,}")]
    return []


def _list_problems(options: Mapping[str, Any]) -> list[Problem]:
    items = options.get("items") or []
    problems = [] if str(options.get("header") or "").strip() else [
        Problem("options.header", "A wide list needs a header")]
    if not ITEMS[0] <= len(items) <= ITEMS[1]:
        problems.append(Problem("options.items", f"A wide list has {ITEMS[0]} or {ITEMS[1]} "
                                                 f"items; it has {len(items)}"))
    for number, item in enumerate(items, start=1):
        where = f"options.items.{number - 1}"
        if not str(item.get("title") or "").strip() or item.get("asset") is None \
                or not str(item.get("url_mobile") or "").startswith(("https://", "http://")):
            problems.append(Problem(where, f"Item {number} needs a title, an image and a link "
                                           "(https://…)"))
    return problems


def _carousel_problems(options: Mapping[str, Any]) -> list[Problem]:
    cards = options.get("carousel") or []
    problems = [] if CARDS[0] <= len(cards) <= CARDS[1] else [
        Problem("options.carousel", f"A carousel has {CARDS[0]} to {CARDS[1]} cards; it has "
                                    f"{len(cards)}")]
    for number, card in enumerate(cards, start=1):
        where = f"options.carousel.{number - 1}"
        if not str(card.get("header") or "").strip() or not str(card.get("text") or "").strip() \
                or card.get("asset") is None:
            problems.append(Problem(where, f"Card {number} needs a header, a text and an image"))
        if not 1 <= len(card.get("buttons") or {}) <= 2:
            problems.append(Problem(where, f"Card {number} needs 1 or 2 buttons"))
        problems += _button_names(where, card.get("buttons") or {}, 8)
    return problems


def _button_names(where: str, named: Mapping[str, str], most: int) -> list[Problem]:
    return [Problem(where, f"The button name '{name}' is longer than {most} characters; "
                           "shorten it") for name in named if len(name) > most]


SHOWN_BY = {"source": WITH_TEXT, "image": WITH_IMAGE, "image_link": WITH_IMAGE,
            "header": ["wide_list"], "items": ["wide_list"], "carousel": ["carousel"]}
"""Which formats use each part: a part another format left behind is refused, not sent."""


def _leftovers(options: Mapping[str, Any], kind: Format) -> list[Problem]:
    return [Problem(f"options.{name}", f"The {kind.value} format has no '{name}'; clear it")
            for name, formats in SHOWN_BY.items()
            if name != "source" and options.get(name) not in (None, "", [], {})
            and kind.value not in formats]


def image_uses(template: TemplateShape) -> list[ImageUse]:
    """The images the format shows, each with Kakao's limits for where it goes."""
    options, kind = _options(template), _format(template)
    if kind in (Format.IMAGE, Format.WIDE) and options.get("image") is not None:
        return [ImageUse("options.image", int(options["image"]),
                         PHOTO if kind is Format.IMAGE else WIDE_PHOTO)]
    uses = []
    if kind is Format.WIDE_LIST:
        for number, item in enumerate(options.get("items") or []):
            if item.get("asset") is not None:
                uses.append(ImageUse(f"options.items.{number}", int(item["asset"]),
                                     FIRST_ITEM if number == 0 else ITEM))
    if kind is Format.CAROUSEL:
        uses += [ImageUse(f"options.carousel.{number}", int(card["asset"]), CARD)
                 for number, card in enumerate(options.get("carousel") or [])
                 if card.get("asset") is not None]
    return uses


def request(message_id: int, message: Mapping[str, Any],
            account: Mapping[str, str]) -> dict[str, Any]:
    """The content as the generic JSON provider sends it, with the message id, the Kakao
    format code (FT/FI/FW/FL/FC) and the sender profile key."""
    kind = Format(message.get("format") or Format.TEXT)
    body = {key: value for key, value in message.items() if key not in ("fallback", "test")}
    return {"message_id": message_id, "code": FORMATS[kind].code,
            "sender_key": message.get("sender_key") or account.get("sender_key", ""), **body}


CHANNEL = ChannelSpec(
    key="brand", order=6, label="Kakao Brand Message", name="Kakao Brand",
    noun="Kakao Brand", icon="megaphone", color="#eab308",
    fields=Fields,
    example=Fields(targeting=Targeting.I, format=Format.TEXT,
                   source="{{ customer.first_name }}님만을 위한 주말 특가, 지금 확인하세요.",
                   buttons={"특가 보기": "https://example.com/sale"}),
    address=Address.PHONE_NUMBER, transport=Transport.PROVIDER,
    parts=parts, content=content, check=check,
    ad_label={"text": LabelStyle.TEXT},
    request=request, account={"sender_key": "brand_sender_key"},
    consent_noun="KakaoTalk advertising", test_recipients="phones", sender="kakao",
    fallback=Fallback(channel="sms", failure_key="brand_failure"),
    closed=ClosedHours("20:50", "08:00"), image_uses=image_uses, marketing_only=True,
    preview="bubble",
    product=Product.BRAND_MESSAGE,
)
