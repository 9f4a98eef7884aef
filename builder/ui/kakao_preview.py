"""A KakaoTalk chat bubble for the Messages page preview (`ChannelSpec.preview == 'bubble'`):
the rendered Brand Message content laid out as KakaoTalk shows each format — a text bubble,
an image above the text, a wide image with side-by-side buttons, a wide list (header, a large
first item, then small rows) or a carousel of cards — with the uploaded images from
/api/assets/{id}. It is a likeness for the marketer, not Kakao's exact rendering."""

from __future__ import annotations

from typing import Any

from reactpy import component, html

from builder.ui.reactpy_glue import use_words
from builder.ui.template_widgets import asset_url

STYLE = """
.wl-kakao { background: #b2c7da; border-radius: 12px; padding: 12px; }
.wl-kakao .who { font-size: 12px; color: #333; margin-bottom: 4px; }
.wl-kakao .bubble { background: #fff; border-radius: 4px 14px 14px 14px; overflow: hidden;
                    max-width: 280px; color: #111; font-size: 13px; }
.wl-kakao .bubble .txt { padding: 10px 12px; white-space: pre-wrap; word-break: break-word; }
.wl-kakao .bubble img { display: block; width: 100%; object-fit: cover; background: #ddd; }
.wl-kakao .ratio-2-1 { aspect-ratio: 2 / 1; } .wl-kakao .ratio-4-3 { aspect-ratio: 4 / 3; }
.wl-kakao .btns { display: flex; flex-direction: column; gap: 6px; padding: 0 12px 12px; }
.wl-kakao .btns.side { flex-direction: row; } .wl-kakao .btns.side > * { flex: 1; }
.wl-kakao .btn { background: #f3f3f3; border-radius: 6px; padding: 7px; text-align: center;
                 font-size: 12px; }
.wl-kakao .hdr { padding: 10px 12px 6px; font-weight: 700; }
.wl-kakao .item { display: flex; gap: 8px; align-items: center; padding: 6px 12px; }
.wl-kakao .item img { width: 44px; height: 44px; border-radius: 4px; }
.wl-kakao .first { position: relative; } .wl-kakao .first span { position: absolute; left: 10px;
  bottom: 8px; color: #fff; font-weight: 700; text-shadow: 0 1px 3px #000; }
.wl-kakao .cards { display: flex; gap: 8px; overflow-x: auto; }
.wl-kakao .cards .bubble { flex: 0 0 220px; }
"""


def _image(asset: Any, ratio: str) -> Any:
    if not asset:
        return html.div({"class": f"noimg {ratio}"})
    return html.img({"class": ratio, "src": asset_url(asset), "alt": ""})


def _buttons(buttons: list[dict[str, Any]] | None, side: bool = False) -> Any:
    if not buttons:
        return ""
    return html.div({"class": "btns side" if side else "btns"},
                    [html.div({"key": f"{number}", "class": "btn", "title": item.get("url_mobile")},
                              item.get("name")) for number, item in enumerate(buttons)])


@component
def KakaoBubble(content: dict[str, Any]) -> Any:  # noqa: N802
    """The content as a KakaoTalk chat bubble, by its format."""
    _ = use_words()
    kind = content.get("format") or "text"
    text = html.div({"class": "txt", "data-bubble-text": ""}, content.get("text") or "")
    side = kind != "text" and kind != "image"
    if kind in ("image", "wide"):
        image = content.get("image") or {}
        body = [_image(image.get("asset"), "ratio-2-1" if kind == "image" else "ratio-4-3"),
                text, _buttons(content.get("buttons"), side)]
    elif kind == "wide_list":
        items = content.get("items") or []
        first, rest = (items[0], items[1:]) if items else ({}, [])
        body = [html.div({"class": "hdr"}, content.get("header") or ""),
                html.div({"class": "first"}, _image(first.get("asset"), "ratio-2-1"),
                         html.span(first.get("title") or "")),
                [html.div({"key": f"{number}", "class": "item"}, _image(item.get("asset"), ""),
                          html.div(item.get("title") or ""))
                 for number, item in enumerate(rest)],
                _buttons(content.get("buttons"), side)]
    elif kind == "carousel":
        cards = [html.div({"key": f"{number}", "class": "bubble", "data-card": str(number)},
                          _image(card.get("asset"), "ratio-4-3"),
                          html.div({"class": "hdr"}, card.get("header") or ""),
                          html.div({"class": "txt"}, card.get("text") or ""),
                          _buttons(card.get("buttons"), True))
                 for number, card in enumerate(content.get("carousel") or [])]
        return html.div({"class": "wl-kakao", "data-bubble": kind}, html.style(STYLE),
                        html.div({"class": "who"}, _("Kakao Brand Message")),
                        html.div({"class": "cards"}, cards))
    else:
        body = [text, _buttons(content.get("buttons"))]
    return html.div({"class": "wl-kakao", "data-bubble": kind}, html.style(STYLE),
                    html.div({"class": "who"}, _("Kakao Brand Message")),
                    html.div({"class": "bubble"}, body))
