"""Kakao Brand Message's own rules (nodes/channels/brand.py): each format's parts, Kakao's
limits, the content gateways take, the provider request and the fallback."""

from __future__ import annotations

import pytest

from nodes.channels.brand import CARDS, CHANNEL, FORMATS, ITEMS, Format
from nodes.kit.channel import default_channels
from nodes.kit.images import ImageFacts, image_problems
from tests.nodes.channels.test_contract import Draft

LINK = "https://shop.example/sale"


def problems(source: str = "", **options) -> dict[str, str]:
    """The check's problems by field (the last one on each)."""
    return {problem.field: problem.message for problem in CHANNEL.check(Draft(None, source,
                                                                               options))}


def items(count: int) -> list[dict]:
    return [{"title": f"상품 {n}", "asset": n + 1, "url_mobile": f"{LINK}/{n}"}
            for n in range(count)]


def cards(count: int, buttons: int = 1) -> list[dict]:
    return [{"header": f"카드 {n}", "text": "한정 특가", "asset": n + 1,
             "buttons": {f"구매{b}": LINK for b in range(buttons)}} for n in range(count)]


@pytest.mark.parametrize(("kind", "most"), [(Format.TEXT, 1000), (Format.IMAGE, 400),
                                            (Format.WIDE, 76)])
def test_each_format_holds_its_text_to_kakaos_length(kind: Format, most: int) -> None:
    image = {} if kind is Format.TEXT else {"image": 1}
    assert problems("가" * most, format=kind.value, **image) == {}
    too_long = problems("가" * (most + 1), format=kind.value, **image)
    assert f"at most {most:,} characters" in too_long["source"]
    assert "write what it should say" in problems("  ", format=kind.value, **image)["source"]


def test_image_formats_need_their_image_and_buttons_are_counted_per_format() -> None:
    assert "Pick or upload the image" in problems("새 시즌", format="image")["options.image"]
    five = {f"버튼{n}": LINK for n in range(5)}
    assert problems("새 시즌", format="text", buttons=five) == {}
    assert "at most 2 buttons" in problems("새 시즌", format="wide", image=1,
                                           buttons=five)["options.buttons"]
    long_name = problems("새 시즌", format="wide", image=1, buttons={"아홉글자짜리버튼명": LINK})
    assert "longer than 8 characters" in long_name["options.buttons"]
    assert FORMATS[Format.TEXT].button_name_max == 14  # a text's buttons are stacked: wider


def test_a_wide_list_has_a_header_and_three_or_four_complete_items() -> None:
    assert problems(format="wide_list", header="이번 주 추천", items=items(ITEMS[0])) == {}
    assert problems(format="wide_list", header="추천", items=items(ITEMS[1])) == {}
    found = problems(format="wide_list", items=items(ITEMS[1] + 1))
    assert found["options.header"] == "A wide list needs a header"
    assert "it has 5" in found["options.items"]
    broken = items(3)
    broken[1]["url_mobile"] = "shop.example"  # not a link
    assert "Item 2 needs" in problems(format="wide_list", header="추천",
                                      items=broken)["options.items.1"]


def test_a_carousel_has_two_to_six_cards_each_with_one_or_two_buttons() -> None:
    assert problems(format="carousel", carousel=cards(CARDS[0])) == {}
    assert problems(format="carousel", carousel=cards(CARDS[1], buttons=2)) == {}
    assert "it has 7" in problems(format="carousel", carousel=cards(7))["options.carousel"]
    assert "1 or 2 buttons" in problems(format="carousel",
                                        carousel=cards(2, buttons=3))["options.carousel.0"]
    assert "go on its cards" in problems(format="carousel", carousel=cards(2),
                                         buttons={"구매": LINK})["options.buttons"]


def test_another_formats_parts_are_refused_not_sent() -> None:
    left = problems("텍스트", format="text", header="추천", items=items(3), image=4)
    assert set(left) == {"options.header", "options.items", "options.image"}
    assert "has no 'items'" in left["options.items"]


def test_content_per_format_in_the_shape_every_gateway_takes() -> None:
    wide = Draft(None, "{{ name }}님 특가", {"targeting": "M", "format": "wide", "image": 3,
                                           "image_link": LINK, "buttons": {"보기": LINK}})
    assert list(CHANNEL.parts(wide)) == [("text", "{{ name }}님 특가", False)]
    assert CHANNEL.content("010", {"text": "민지님 특가"}, wide) == {
        "to": "010", "targeting": "M", "format": "wide", "text": "민지님 특가",
        "image": {"asset": 3, "link": LINK},
        "buttons": [{"name": "보기", "kind": "WL", "url_mobile": LINK, "url_pc": LINK}]}

    listed = Draft(None, "", {"format": "wide_list", "header": "추천", "items": items(3)})
    rendered = {"header": "이번 주 추천", "item:0": "A", "item:1": "B", "item:2": "C"}
    made = CHANNEL.content("010", rendered, listed)
    assert [item["title"] for item in made["items"]] == ["A", "B", "C"]
    assert made["items"][2] == {"title": "C", "asset": 3, "url_mobile": f"{LINK}/2"}
    assert made["text"] == "이번 주 추천\nA\nB\nC"  # what the label starts and a fallback says

    deck = Draft(None, "", {"format": "carousel", "carousel": cards(2)})
    names = [name for name, _source, _escape in CHANNEL.parts(deck)]
    assert names == ["card:0:header", "card:0:text", "card:1:header", "card:1:text"]
    made = CHANNEL.content("010", {name: name.upper() for name in names}, deck)
    assert made["carousel"][1]["header"] == "CARD:1:HEADER"
    assert made["carousel"][0]["buttons"] == [{"name": "구매0", "kind": "WL",
                                               "url_mobile": LINK, "url_pc": LINK}]
    assert "buttons" not in made


def test_the_request_carries_kakaos_format_code_and_the_sender_profile() -> None:
    message = {"to": "010", "targeting": "I", "format": "wide_list", "text": "x",
               "fallback": {"to": "010", "text": "x"}}
    body = CHANNEL.request(9, message, {"sender_key": "profile-1"})
    assert (body["message_id"], body["code"], body["sender_key"]) == (9, "FL", "profile-1")
    assert "fallback" not in body  # the fallback is ours to send, not the provider's
    own = CHANNEL.request(9, {**message, "sender_key": "picked"}, {"sender_key": "profile-1"})
    assert own["sender_key"] == "picked"


def test_it_is_advertising_held_by_the_cut_off_and_falls_back_to_sms() -> None:
    assert CHANNEL.marketing_only and CHANNEL.ad_label
    assert (CHANNEL.closed.start, CHANNEL.closed.end, CHANNEL.closed.zone) == (
        "20:50", "08:00", "Asia/Seoul")
    assert CHANNEL.fallback is not None and CHANNEL.fallback.channel == "sms"
    assert "brand" in default_channels()


def test_images_are_held_to_the_limits_of_where_they_go() -> None:
    facts = {1: ImageFacts(1, "banner.png", "image/png", 90_000, 800, 400),
             2: ImageFacts(2, "square.jpg", "image/jpeg", 50_000, 500, 500),
             3: ImageFacts(3, "tiny.png", "image/png", 9_000, 300, 150)}
    listed = Draft(None, "", {"format": "wide_list", "items": [
        {"asset": 1}, {"asset": 2}, {"asset": 1}]})
    found = image_problems(CHANNEL.image_uses(listed), facts)
    assert [where for where, _why in found] == ["options.items.2"]  # 2:1 where a square goes
    assert "must be 1:1 (width:height); 'banner.png' is 800×400" in found[0][1]
    photo = Draft(None, "x", {"format": "image", "image": 3})
    [(where, why)] = image_problems(CHANNEL.image_uses(photo), facts)
    assert where == "options.image" and "at least 500 pixels wide" in why
    gone = image_problems(CHANNEL.image_uses(Draft(None, "x", {"format": "wide", "image": 8})),
                          facts)
    assert "does not exist" in gone[0][1]
