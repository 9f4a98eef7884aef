"""The template form's widgets for images and repeated rows (`x-widget` hints in a channel's
template fields): `image` picks one uploaded image, `images` up to `maxItems` (an MMS), and
`rows` repeats a small form per item (a wide list's items, a carousel's cards), each sub-field
drawn from the item's schema like any other. Images are uploaded here (the browser reads the
file: the canvas bundle's ImageUpload) and shown from /api/assets/{id}."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.i18n import Words
from builder.ui.reactpy_glue import event_value, js_component, use_services, use_words
from builder.ui.service_words import said
from builder.ui.services import UiError
from nodes.kit.images import UPLOAD_MAX_BYTES

Update = Callable[[Callable[[Any], Any]], None]
"""Changes one field's value from what it is now (a function of the old value)."""

STYLE = """
.wl-images { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0; }
.wl-images button { border: 2px solid var(--line); border-radius: 8px; padding: 2px;
                    background: var(--panel); cursor: pointer; }
.wl-images button.on { border-color: var(--brand); }
.wl-images img { display: block; width: 72px; height: 54px; object-fit: cover;
                 border-radius: 6px; }
.wl-rows > fieldset { border: 1px solid var(--line); border-radius: 10px; padding: 8px 10px;
                      margin: 0 0 8px; }
.wl-rows legend { font-size: 12px; color: var(--muted); }
"""


def asset_url(asset_id: Any) -> str:
    """Where the page reads an uploaded image."""
    return f"/api/assets/{int(asset_id)}"


@component
def ImagePicker(name: str, value: Any, update: Update, most: int = 1) -> Any:  # noqa: N802
    """Uploaded images as thumbnails to pick (one, or up to `most`), and an upload button."""
    services = use_services()
    _ = use_words()
    listed, set_listed = use_state(None)
    problem, set_problem = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_listed(await asyncio.to_thread(services.list_assets))

    def pick(asset_id: int) -> Any:
        def handle(*_event: Any) -> None:
            if most == 1:
                update(lambda now: None if now == asset_id else asset_id)
            else:
                update(lambda now: _toggled(list(now or []), asset_id, most))
        return handle

    async def upload(raw: str) -> None:
        try:
            saved = await asyncio.to_thread(uploaded, services, raw, _)
        except UiError as error:
            set_problem("; ".join(said(_, issue["message"]) for issue in error.issues)
                        or said(_, error.message))
            return
        set_problem("")
        set_listed(await asyncio.to_thread(services.list_assets))
        pick(saved["id"])()

    chosen = set(value if isinstance(value, list) else [value] if value else [])
    thumbs = [html.button(
        {"key": str(item["id"]), "type": "button", "class": "on" if item["id"] in chosen else "",
         "title": _("{name} · {width}×{height} · {size} KB", name=item["name"],
                    width=item["width"], height=item["height"],
                    size=_.number(-(-item["size"] // 1024))),
         "data-asset": str(item["id"]), "onClick": pick(item["id"])},
        html.img({"src": asset_url(item["id"]), "alt": item["name"]}))
        for item in listed or []]
    return html.div(
        {"data-images": name},
        html.div({"class": "wl-images"}, thumbs) if thumbs else html.p(
            {"class": "hint"}, _("No images yet: upload one.") if listed is not None
            else _("Loading…")),
        js_component("ImageUpload")({"label": _("Upload an image"),
                                     "maxBytes": UPLOAD_MAX_BYTES, "onFile": upload}),
        html.div({"class": "wl-field-error", "data-upload-error": name}, problem)
        if problem else "")


def uploaded(services: Any, raw: str, _: Words) -> dict[str, Any]:
    """Store the image the browser read ({name, size, data}); UiError saying why not."""
    upload = json.loads(raw)
    if not upload.get("data"):
        raise UiError("invalid", _("The image is {size} KB; at most {most} KB may be uploaded. "
                                   "Make it smaller",
                                   size=_.number(-(-int(upload.get("size") or 0) // 1024)),
                                   most=_.number(UPLOAD_MAX_BYTES // 1024)))
    return services.upload_asset(str(upload.get("name") or ""), upload["data"])


def _toggled(chosen: list[int], asset_id: int, most: int) -> list[int]:
    if asset_id in chosen:
        return [item for item in chosen if item != asset_id]
    return [*chosen, asset_id][-most:]


@component
def Rows(name: str, prop: dict[str, Any], defs: dict[str, Any], value: Any,  # noqa: N802
         update: Update, control: Callable[..., Any]) -> Any:
    """One small form per item, with buttons to add (up to `maxItems`) and remove items."""
    _ = use_words()
    rows = list(value or [])
    item = defs[prop["items"]["$ref"].rsplit("/", 1)[-1]]
    fields = sorted(((key, _resolved(sub)) for key, sub in item["properties"].items()),
                    key=lambda pair: pair[1].get("x-order", 99))
    most = prop.get("maxItems", 10)

    def at(index: int, key: str) -> Update:
        def change(fn: Callable[[Any], Any]) -> None:
            def apply(now: Any) -> list[dict[str, Any]]:
                rows_now = [dict(row) for row in (now or [])]
                rows_now[index][key] = fn(rows_now[index].get(key))
                return rows_now
            update(apply)
        return change

    def remove(index: int) -> Any:
        return lambda *_event: update(lambda now: [row for number, row in enumerate(now or [])
                                                   if number != index])

    forms = [html.fieldset(
        {"key": f"{index}-{len(rows)}", "data-row": f"{name}.{index}"},
        html.legend(_("{what} {n}", what=_(prop.get("x-row") or prop.get("title", "")),
                      n=index + 1)),
        [html.div({"key": key, "class": "wl-field", "data-field": f"{name}.{index}.{key}"},
                  html.label({"class": "wl-label"}, _(sub.get("title") or key)),
                  control(f"{name}.{index}.{key}", sub, row.get(key),
                          at(index, key)))
         for key, sub in fields],
        html.button({"class": "wl-button", "type": "button", "data-action": "remove-row",
                     "onClick": remove(index)}, _("Remove")))
        for index, row in enumerate(rows)]
    add = html.button({"class": "wl-button", "type": "button", "data-action": f"add-{name}",
                       "onClick": lambda *_e: update(lambda now: [*(now or []), {}])},
                      "+ " + _("Add")) if len(rows) < most else ""
    return html.div({"class": "wl-rows", "data-rows": name}, forms, add)


def _resolved(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional sub-field (anyOf …, null) spelled out."""
    for choice in prop.get("anyOf", ()):
        if choice.get("type") != "null":
            prop = {**choice, **{k: v for k, v in prop.items() if k != "anyOf"}}
    return prop


def typed(handler: Update, parse: Callable[[Any], Any] | None = None) -> Callable[..., None]:
    """An input's onChange that puts its (parsed) value."""
    def handle(event: Any, *_rest: Any) -> None:
        value = event_value(event)
        value = parse(value) if parse else value
        handler(lambda _now: value)
    return handle
