"""Brand Messages on the messages page in a real browser: a marketer writes one in each
format — text, image, wide image, wide list and carousel — seeing only that format's fields,
uploads an image from the form and picks uploaded ones, and sees each as a KakaoTalk bubble in
the preview; then reads one in Korean."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from runtime.store.audit import SYSTEM
from runtime.store.models import Template
from server.services.assets import upload_asset
from tests.builder.ui.conftest import LiveApp, screenshot

WAIT = 15_000


def picture(width: int, height: int, color: str, kind: str = "PNG") -> bytes:
    """An image of that size, as bytes."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, kind)
    return out.getvalue()


def saved(live_app: LiveApp, name: str) -> Template:
    with live_app.wayline.runtime.sessions() as session:
        return session.scalars(select(Template).where(Template.name == name)).one()


def start(page: Any, name: str, format_: str) -> Any:
    page.reload()  # a fresh form (the browser keeps what was typed in the last one's inputs)
    page.locator('[data-new-template="brand"]').click()
    form = page.locator('[data-form="template"][data-channel="brand"]')
    form.locator('input[name="name"]').fill(name)
    form.locator('select[name="options.format"]').select_option(format_)
    return form


def save(page: Any, form: Any, name: str) -> None:
    form.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved '{name}'", timeout=WAIT)


def bubble(page: Any, kind: str) -> Any:
    found = page.locator(f'[data-panel="message-preview"] [data-bubble="{kind}"]')
    expect(found).to_be_visible(timeout=WAIT)
    return found


def test_a_brand_message_in_each_format_with_a_kakao_preview(live_app: LiveApp, browse: Any,
                                                             tmp_path: Path) -> None:
    wl = live_app.wayline
    wide = upload_asset(wl, SYSTEM, "wide.png", picture(800, 600, "teal"))
    square = [upload_asset(wl, SYSTEM, f"item{n}.png", picture(500, 500, color))
              for n, color in enumerate(("orange", "purple", "green"))]
    banner = upload_asset(wl, SYSTEM, "banner.png", picture(800, 400, "navy"))
    cards = [upload_asset(wl, SYSTEM, f"card{n}.jpg", picture(600, 400, color, "JPEG"))
             for n, color in enumerate(("maroon", "olive"))]
    page = browse("/messages")

    form = start(page, "Text sale", "text")
    expect(form.locator('[data-field="options.items"]')).to_have_count(0)
    expect(form.locator('[data-field="options.image"]')).to_have_count(0)
    form.locator('textarea[name="source"]').fill("주말 특가가 열렸어요. 지금 확인하세요!")
    form.locator('textarea[name="options.buttons"]').fill("특가 보기 = https://shop.example/sale")
    text = bubble(page, "text")
    expect(text).to_contain_text("(광고) 주말 특가가 열렸어요.", timeout=WAIT)
    expect(text.locator(".btn")).to_have_text("특가 보기")
    save(page, form, "Text sale")

    form = start(page, "Image sale", "image")
    upload = tmp_path / "photo.png"
    upload.write_bytes(picture(800, 400, "crimson"))
    form.locator('[data-images="options.image"] input[data-image-file]').set_input_files(
        str(upload))
    expect(form.locator('[data-images="options.image"] button.on')).to_have_count(1,
                                                                                timeout=WAIT)
    form.locator('input[name="options.image_link"]').fill("https://shop.example/sale")
    form.locator('textarea[name="source"]').fill("새 시즌 상품을 만나보세요.")
    image = bubble(page, "image")
    expect(image.locator("img")).to_have_count(1)
    uploaded_src = image.locator("img").get_attribute("src")
    save(page, form, "Image sale")
    chosen = saved(live_app, "Image sale").options["image"]
    assert uploaded_src == f"/api/assets/{chosen}"
    assert chosen not in {wide.id, banner.id, *(item.id for item in square)}

    form = start(page, "Wide sale", "wide")
    form.locator(f'[data-images="options.image"] [data-asset="{wide.id}"]').click()
    form.locator('input[name="options.image_link"]').fill("https://shop.example/wide")
    form.locator('textarea[name="source"]').fill("오늘만 30% 할인")
    form.locator('textarea[name="options.buttons"]').fill("보러 가기 = https://shop.example/w")
    expect(bubble(page, "wide").locator("img")).to_have_attribute(
        "src", f"/api/assets/{wide.id}", timeout=WAIT)
    save(page, form, "Wide sale")

    form = start(page, "List picks", "wide_list")
    expect(form.locator('textarea[name="source"]')).to_have_count(0)
    form.locator('input[name="options.header"]').fill("이번 주 추천")
    for number, asset in enumerate([banner, *square[:2]]):
        form.locator('[data-action="add-options.items"]').click()
        row = form.locator(f'[data-row="options.items.{number}"]')
        row.locator(f'input[name="options.items.{number}.title"]').fill(f"추천 상품 {number + 1}")
        row.locator(f'[data-asset="{asset.id}"]').click()
        row.locator(f'input[name="options.items.{number}.url_mobile"]').fill(
            f"https://shop.example/p/{number}")
    listed = bubble(page, "wide_list")
    expect(listed).to_contain_text("추천 상품 3", timeout=WAIT)
    expect(listed.locator("img")).to_have_count(3)
    save(page, form, "List picks")
    assert [item["asset"] for item in saved(live_app, "List picks").options["items"]] == [
        banner.id, square[0].id, square[1].id]

    form = start(page, "Card deck", "carousel")
    for number, asset in enumerate(cards):
        form.locator('[data-action="add-options.carousel"]').click()
        row = form.locator(f'[data-row="options.carousel.{number}"]')
        row.locator(f'input[name="options.carousel.{number}.header"]').fill(f"카드 {number + 1}")
        row.locator(f'textarea[name="options.carousel.{number}.text"]').fill("한정 수량 특가")
        row.locator(f'[data-asset="{asset.id}"]').click()
        row.locator(f'textarea[name="options.carousel.{number}.buttons"]').fill(
            f"구매 = https://shop.example/c/{number}")
    deck = bubble(page, "carousel")
    expect(deck.locator("[data-card]")).to_have_count(2, timeout=WAIT)
    expect(deck.locator('[data-card="1"]')).to_contain_text("카드 2")
    deck.scroll_into_view_if_needed()
    screenshot(page, "brand-carousel")
    save(page, form, "Card deck")
    stored = saved(live_app, "Card deck")
    assert [card["asset"] for card in stored.options["carousel"]] == [card.id for card in cards]
    assert stored.options["format"] == "carousel" and "buttons" not in stored.options

    korean = browse("/messages", locale="ko-KR")
    korean.locator('[data-list="templates"] [data-template="List picks"]').click()
    expect(korean.locator('[data-field="options.header"] label')).to_have_text("헤더",
                                                                              timeout=WAIT)
    expect(korean.locator('select[name="options.format"]')).to_have_value("wide_list")
    expect(bubble(korean, "wide_list")).to_contain_text("이번 주 추천", timeout=WAIT)
    bubble(korean, "wide_list").scroll_into_view_if_needed()
    screenshot(korean, "ko-brand-wide-list")


def test_an_mms_with_a_subject_and_an_image(live_app: LiveApp, browse: Any) -> None:
    photo = upload_asset(live_app.wayline, SYSTEM, "mms.jpg", picture(640, 480, "gold", "JPEG"))
    page = browse("/messages")
    page.locator('[data-new-template="sms"]').click()
    form = page.locator('[data-form="template"][data-channel="sms"]')
    form.locator('input[name="name"]').fill("Photo restock")
    form.locator('input[name="subject"]').fill("재입고 안내")
    form.locator('textarea[name="source"]').fill("찜한 상품이 다시 들어왔어요.")
    expect(form.locator("[data-bytes]")).to_contain_text("sent as LMS", timeout=WAIT)
    form.locator(f'[data-images="options.images"] [data-asset="{photo.id}"]').click()
    expect(form.locator("[data-bytes]")).to_contain_text("sent as MMS", timeout=WAIT)
    preview = page.locator('[data-panel="message-preview"]')
    expect(preview.locator('[data-part="bytes"]')).to_contain_text("MMS", timeout=WAIT)
    expect(preview.locator('[data-part="images"] img')).to_have_count(1)
    save(page, form, "Photo restock")
    stored = saved(live_app, "Photo restock")
    assert (stored.subject, stored.options["images"]) == ("재입고 안내", [photo.id])
