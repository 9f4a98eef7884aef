"""Image uploads over the real app and databases: judged by their bytes (a PNG named .jpg is a
PNG; a text file named .png, a truncated JPEG, an oversized file and a huge canvas are refused,
each with why), stored once per content, read back at /api/assets/{id} behind the permission
table, and held at template save to the limits of where a template uses them (MMS: JPEG, 200
KB, 300 KB together; Brand Message: shapes and widths)."""

from __future__ import annotations

import base64
import io
import random

import pytest
from PIL import Image

from builder.ui.services import UiError
from nodes.kit.images import UPLOAD_MAX_BYTES
from runtime.store.team_models import Role
from tests.server.test_ui_calls import page_for


def picture(width: int, height: int, kind: str = "JPEG", noisy: bool = False) -> bytes:
    """An image as bytes (`noisy`: random pixels, which compress badly: a big file)."""
    image = Image.frombytes("RGB", (width, height), _noise(width * height * 3)) if noisy \
        else Image.new("RGB", (width, height), "teal")
    out = io.BytesIO()
    image.save(out, kind, quality=95) if kind == "JPEG" else image.save(out, kind)
    return out.getvalue()


def _noise(count: int) -> bytes:
    return random.Random(21).randbytes(count)  # the same "random" pixels every run


def upload(page, name: str, data: bytes) -> dict:
    return page.upload_asset(name, base64.b64encode(data).decode())


def refusal(page, name: str, data: bytes) -> str:
    with pytest.raises(UiError) as caught:
        upload(page, name, data)
    assert caught.value.kind == "invalid" and caught.value.issues[0]["field"] == "file"
    return caught.value.message


def test_an_upload_is_judged_by_its_bytes_not_its_name(app_context, client):
    page, _ = page_for(app_context, Role.EDITOR, "eddie@example.kr")
    png = picture(800, 400, "PNG")
    stored = upload(page, "banner.jpg", png)  # named .jpg, but a PNG
    assert (stored["content_type"], stored["width"], stored["height"], stored["size"]) == (
        "image/png", 800, 400, len(png))
    assert upload(page, "again.png", png)["id"] == stored["id"]  # the same bytes, kept once
    assert [item["id"] for item in page.list_assets()] == [stored["id"]]
    answer = client.get(f"/api/assets/{stored['id']}")
    assert answer.status_code == 200 and answer.content == png
    assert answer.headers["content-type"] == "image/png"
    assert client.get("/api/assets/999").status_code == 404
    anonymous = client.get(f"/api/assets/{stored['id']}", headers={"X-Api-Key": ""})
    assert anonymous.status_code in (401, 403)  # behind the permission table, like templates

    assert "not an image Wayline can read" in refusal(page, "notes.png", b"hello, not a picture")
    assert "not an image Wayline can read" in refusal(page, "cut.jpg",
                                                      picture(600, 400)[:2000])  # truncated
    assert "a GIF image" in refusal(page, "anim.jpg", picture(10, 10, "GIF"))
    assert "at most 4,000 on each side" in refusal(page, "tall.png", picture(10, 4001, "PNG"))
    big = picture(700, 700, noisy=True)
    assert len(big) > UPLOAD_MAX_BYTES
    assert "may be uploaded" in refusal(page, "big.jpg", big)
    with pytest.raises(UiError, match="did not arrive whole"):
        page.upload_asset("x.png", "not base64!")
    assert len(page.list_assets()) == 1


def test_a_viewer_may_look_but_not_upload(app_context):
    page, _ = page_for(app_context, Role.VIEWER, "vera@example.kr")
    with pytest.raises(UiError) as caught:
        upload(page, "a.png", picture(10, 10, "PNG"))
    assert caught.value.kind == "forbidden"
    assert page.list_assets() == []


def test_a_template_is_refused_for_images_its_provider_would_refuse(app_context, client):
    page, _ = page_for(app_context, Role.EDITOR, "eddie@example.kr")
    photo = upload(page, "photo.jpg", picture(640, 480))
    banner = upload(page, "banner.png", picture(800, 400, "PNG"))
    sms = {"channel": "sms", "name": "Restock", "subject": "재입고", "source": "들어왔어요",
           "options": {"images": [photo["id"]]}}
    made = client.post("/api/templates", json=sms)
    assert made.status_code == 201, made.text
    png = client.post("/api/templates", json={**sms, "name": "PNG MMS",
                                              "options": {"images": [banner["id"]]}})
    assert png.status_code == 422
    assert png.json()["issues"] == [{"code": "template.invalid", "field": "options.images",
                                     "message": "An MMS image must be JPEG; 'banner.png' is "
                                                "PNG"}]
    brand = {"channel": "brand", "name": "Wide", "subject": None, "source": "오늘만 특가",
             "options": {"format": "wide", "image": banner["id"]}}  # 2:1 is wide enough
    assert client.post("/api/templates", json=brand).status_code == 201
    listed = {**brand, "name": "List", "source": "", "options": {
        "format": "wide_list", "header": "추천", "items": [
            {"title": f"상품 {n}", "asset": banner["id"], "url_mobile": "https://s.example"}
            for n in range(3)]}}
    refused = client.post("/api/templates", json=listed)
    assert refused.status_code == 422
    assert [issue["field"] for issue in refused.json()["issues"]] == [
        "options.items.1", "options.items.2"]  # only the first item's image is 2:1
    assert "must be 1:1" in refused.json()["issues"][0]["message"]
