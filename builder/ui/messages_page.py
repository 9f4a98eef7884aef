"""The messages page: the template library marketers write once and send from any journey.

A list of every template by channel (with how many journeys send it) beside an editor whose
fields are generated from the channel's template fields (`ChannelSpec.fields`, in
`nodes/channels/`): their titles, order, help and widgets (a text, a text area, a choice,
name/value lines, an SMS text with its carrier byte count), as the inspector is from node
configs. Each change is rendered at once for a chosen customer (or a sample one), strictly,
so a missing value shows as an error here rather than as a blank in a customer's message.
Saved through the same services as /api/templates; deleting a template a journey still sends
is refused with the journeys named. Viewers read the templates; making and changing them, and
the preview, are for editors up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_, Words, fill
from builder.ui.message_preview import Preview
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import use_services, use_words
from builder.ui.review_card import ReviewCard
from builder.ui.service_words import said
from builder.ui.services import UiError
from builder.ui.template_widgets import STYLE as WIDGETS_STYLE
from builder.ui.template_widgets import ImagePicker, Rows, typed
from nodes.kit.channel import ChannelSpec, channel, default_channels
from nodes.kit.sms import LMS_MAX_BYTES, SMS_MAX_BYTES, carrier_bytes


def fields_of(spec: ChannelSpec) -> list[tuple[str, dict[str, Any]]]:
    """The channel's template fields in form order: (form name, JSON schema property)."""
    schema = spec.schema()
    found = [(spec.form_name(name), _resolved(prop, schema["$defs"]))
             for name, prop in schema["properties"].items()]
    return sorted(found, key=lambda item: item[1].get("x-order", 99))


def _resolved(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The property with an optional value (anyOf …, null) or an enum ($ref) spelled out."""
    for choice in prop.get("anyOf", ()):
        if choice.get("type") != "null":
            prop = {**choice, **{k: v for k, v in prop.items() if k != "anyOf"}}
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **prop}
    return prop


def _form_names(spec: ChannelSpec) -> list[str]:
    return ["name", *(name for name, _prop in fields_of(spec))]


UNTITLED = {"options.template_code": N_("Template code")}
"""Titles for the channel fields whose schema has none."""

STYLE = """
.wl-messages { display: grid; grid-template-columns: 300px 1fr 360px; gap: 16px;
               align-items: start; }
.wl-msg-list { background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
               padding: 8px; }
.wl-msg-list h3 { margin: 10px 8px 4px; font-size: 12px; text-transform: uppercase;
                  letter-spacing: .04em; color: var(--muted); }
.wl-msg-list button { display: block; width: 100%; text-align: left; border: 0; background: none;
                      padding: 8px; border-radius: 8px; cursor: pointer; font: inherit; }
.wl-msg-list button:hover { background: var(--bg); }
.wl-msg-list button.on { background: var(--brand-soft); }
.wl-msg-list .sub { display: block; color: var(--muted); font-size: 12px; }
.wl-msg-new { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 12px; }
.wl-bytes { font-size: 12px; color: var(--muted); margin-top: 4px; }
.wl-bytes.lms { color: var(--warn); } .wl-bytes.over { color: var(--err); font-weight: 600; }
.wl-msg-preview pre { white-space: pre-wrap; word-break: break-word; margin: 6px 0 0;
                      font: inherit; background: var(--bg); padding: 10px; border-radius: 8px; }
.wl-msg-preview .part { font-size: 12px; color: var(--muted); margin-top: 10px; }
.wl-confirm { display: flex; gap: 8px; align-items: center; margin-top: 10px; }
"""


def blank(channel: str) -> dict[str, Any]:
    """A new template's form on `channel`."""
    return {"id": None, "channel": channel, "name": "", "subject": "", "source": "",
            "options": _defaults(channel), "used_by": [],
            "version": None, "warnings": []}


def _defaults(key: str) -> dict[str, Any]:
    """The options a new template starts with: the channel's non-empty defaults."""
    return {name.removeprefix("options."): prop["default"]
            for name, prop in fields_of(channel(key))
            if name.startswith("options.") and prop.get("default") not in (None, "", {})}


def to_request(form: dict[str, Any]) -> dict[str, Any]:
    """The template as the services take it: no empty options, none a choice hides (another
    format's parts), no subject where none goes."""
    shown = {name.removeprefix("options.") for name, prop in fields_of(channel(form["channel"]))
             if is_shown(prop, form["options"], form["channel"])}
    options = {key: value for key, value in form["options"].items()
               if value not in ("", {}, None, []) and key in shown}
    request = {"channel": form["channel"], "name": form["name"], "source": form["source"],
               "options": options}
    if channel(form["channel"]).has_subject:
        request["subject"] = form["subject"] or None
    return request


def is_shown(prop: dict[str, Any], options: dict[str, Any], key: str) -> bool:
    """Whether `x-show-if` lets a field show, given the other options (or their defaults)."""
    rule = prop.get("x-show-if") or {}
    defaults = {name.removeprefix("options."): item.get("default")
                for name, item in fields_of(channel(key))}
    return all(options.get(name, defaults.get(name)) in values for name, values in rule.items())


def pairs_text(values: dict[str, str] | None, separator: str) -> str:
    """A mapping as lines of `name<separator>value`."""
    return "\n".join(f"{key}{separator}{value}" for key, value in (values or {}).items())


def text_pairs(text: str, separator: str) -> dict[str, str]:
    """Lines of `name<separator>value` as a mapping (blank lines skipped, spaces trimmed)."""
    found = {}
    for line in text.splitlines():
        key, _, value = line.partition(separator)
        if key.strip():
            found[key.strip()] = value.strip()
    return found


@component
def MessagesPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The template list, the editor and its live preview."""
    services = use_services()
    listed, set_listed = use_state(None)
    form, set_form = use_state(lambda: blank("email"))
    mounted, set_mounted = use_state(0)  # bumps when another template is opened
    notice, set_notice = use_state(None)
    _ = use_words()
    can_edit, can_preview = services.may("templates.edit"), services.may("previews")

    async def reload() -> None:
        set_listed(await asyncio.to_thread(services.list_templates))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    def show(next_form: dict[str, Any], message: dict[str, Any] | None = None) -> None:
        set_form(next_form)
        set_mounted(lambda count: count + 1)
        set_notice(message)

    async def open_template(template_id: int) -> None:
        try:
            show(await asyncio.to_thread(services.get_template, template_id))
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message)})

    async def save(_event: Any) -> None:
        try:
            saved = await asyncio.to_thread(services.save_template, form["id"], to_request(form))
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message),
                        "issues": [{**issue, "message": said(_, issue["message"])}
                                   for issue in error.issues]})
            return
        show(saved, {"kind": "ok", "text": _(
            "Saved '{name}' (version {version}). Journeys send it from their next message on.",
            name=saved["name"], version=saved["version"])})
        await reload()

    async def delete(_event: Any) -> None:
        try:
            await asyncio.to_thread(services.delete_template, form["id"])
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message)})
            return
        show(blank(form["channel"]), {"kind": "ok",
                                         "text": _("Deleted '{name}'.", name=form["name"])})
        await reload()

    def on_new(channel: str) -> Any:
        return lambda *_event: show(blank(channel))

    def on_open(template_id: int) -> Any:
        async def handle(*_event: Any) -> None:
            await open_template(template_id)
        return handle

    return html.div(
        {"class": "wl-app"}, html.style(STYLE + WIDGETS_STYLE), AppBar("messages"),
        html.main(
            {"class": "wl-page"},
            html.div({"class": "wl-page-head"}, html.div(
                html.h1(_("Messages")),
                html.p(_("Write a message once and send it from any journey. Journeys pick up "
                         "a saved change from their next message on.")))),
            html.div({"class": "wl-msg-new"}, html.span(_("New:")), [
                html.button({"key": key, "class": "wl-button", "type": "button",
                             "data-new-template": key, "onClick": on_new(key)}, f"+ {_(label)}")
                for key, label in _labels()]) if can_edit else "",
            html.div(
                {"class": "wl-messages"},
                TemplateList(listed, form["id"], on_open),
                html.div(html.form({"onSubmit": event(save, prevent_default=True),
                                    "data-form": "template", "data-channel": form["channel"],
                                    "class": "wl-card"},
                                   html.fieldset({"class": "wl-form", "disabled": not can_edit},
                                                 TemplateFields(form, set_form, notice,
                                                                key=str(mounted))),
                                   Actions(form, delete) if can_edit else ""),
                         ReviewCard(services, form["id"], form["version"],
                                    key=f"review-{form['id']}")
                         if form["id"] is not None and channel(form["channel"]).reviewed
                         else "")
                if can_edit or form["id"] is not None else html.div(
                    {"class": "wl-card", "data-form": "none"},
                    html.p({"class": "hint"}, _("Open a message on the left to read it. Your "
                                                "role can read messages; editors write them."))),
                Preview(to_request(form), form["id"]) if can_preview else html.div())))


@component
def TemplateList(listed: list[dict[str, Any]] | None, current: int | None,  # noqa: N802
                 on_open: Any) -> Any:
    """Every template, by channel: its name, version and how many journeys send it."""
    _ = use_words()
    if listed is None:
        return html.div({"class": "wl-msg-list"}, _("Loading…"))
    if not listed:
        return html.div({"class": "wl-msg-list"}, html.p({"class": "hint"},
                                                         _("No messages yet.")))
    sections = []
    for key, label in _labels():
        items = [item for item in listed if item["channel"] == key]
        if items:
            sections.append(html.div({"key": key}, html.h3(_(label)), [html.button(
                {"key": str(item["id"]), "type": "button", "data-template": item["name"],
                 "class": "on" if item["id"] == current else "", "onClick": on_open(item["id"])},
                item["name"], html.span({"class": "sub"}, _uses(_, item["journeys"]),
                                        f" · v{item['version']}")) for item in items]))
    return html.div({"class": "wl-msg-list", "data-list": "templates"}, sections)


@component
def TemplateFields(form: dict[str, Any], set_form: Any, notice: Any) -> Any:  # noqa: N802
    """The fields of `form`'s channel, with each field's problem from the last save under it."""
    _ = use_words()
    spec = channel(form["channel"])
    names = sorted(_form_names(spec), key=len, reverse=True)
    issues = (notice or {}).get("issues") or []
    errors: dict[str, str] = {}
    for issue in issues:  # options.variables.name shows under options.variables
        where = issue.get("field") or ""
        shown = next((name for name in names if where == name or where.startswith(name + ".")),
                     where)
        errors[shown] = "; ".join(filter(None, (errors.get(shown), issue["message"])))

    def update(name: str) -> Any:
        """Changes a field from its current value (a function of the old one)."""
        key = name.removeprefix("options.")

        def apply(fn: Any) -> None:
            if name.startswith("options."):
                set_form(lambda now: {**now, "options": {
                    **now["options"], key: fn(now["options"].get(key))}})
            else:
                set_form(lambda now: {**now, key: fn(now.get(key))})
        return apply

    def change(name: str, parse: Any = None) -> Any:
        return typed(update(name), parse)

    def field(label: str, name: str, control: Any, help_text: str = "") -> Any:
        error = errors.get(name)
        return html.div(
            {"class": "wl-field has-error" if error else "wl-field", "data-field": name},
            html.label({"class": "wl-label"}, label), control,
            html.div({"class": "wl-help"}, help_text) if help_text else "",
            html.div({"class": "wl-field-error"}, error) if error else "")

    parts = [
        html.h2(_("{channel} message", channel=_(spec.name)) if form["id"] is None
                else form["name"] or _("Message")),
        field(_("Name"), "name", html.input({
            "class": "wl-input", "defaultValue": form["name"] or "", "name": "name",
            "placeholder": _("What marketers call it"), "onChange": change("name")})),
    ]
    defs = spec.schema()["$defs"]

    def control(name: str, prop: dict[str, Any], value: Any, handler: Any) -> Any:
        widget = prop.get("x-widget")
        if widget in ("image", "images"):
            return ImagePicker(name, value, handler, 1 if widget == "image"
                               else prop.get("maxItems", 1), key=name)
        if widget == "rows":
            return Rows(name, prop, defs, value, handler, control, key=name)
        return _control(_, name, prop, value, lambda _name, parse=None: typed(handler, parse))

    for name, prop in fields_of(spec):
        if not is_shown(prop, form["options"], spec.key):
            continue
        value = (form["options"].get(name.removeprefix("options."))
                 if name.startswith("options.") else form.get(name))
        title = prop.get("title") or UNTITLED.get(name, name)
        parts.append(field(_(title), name, control(name, prop, value, update(name)),
                           _(prop["description"]) if prop.get("description") else ""))
        if prop.get("x-widget") == "sms-text":
            parts.append(SmsSize(value or "", form.get("subject") or "",
                                 len(form["options"].get("images") or [])))
    unplaced = [message for where, message in errors.items()
                if where not in _form_names(spec)]
    return html.div(parts, Notice(notice, unplaced),
                    Warnings([{**item, "message": said(_, item["message"])}
                              for item in form.get("warnings") or []]))


def _control(_: Words, name: str, prop: dict[str, Any], value: Any, change: Any) -> Any:
    """The input for one template field, by its schema and widget hint."""
    widget, rows = prop.get("x-widget"), prop.get("x-rows", 3)
    if "enum" in prop:
        labels = prop.get("x-labels") or {}
        return html.select(  # controlled: an opened template's choice shows, not the last one's
            {"class": "wl-input", "name": name, "value": value or prop.get("default"),
             "onChange": change(name)},
            [html.option({"key": choice, "value": choice},
                         _(labels[choice]) if choice in labels else choice)
             for choice in prop["enum"]])
    if widget == "pairs":
        separator = prop.get("x-separator", " = ")
        return html.textarea({"class": "wl-input", "name": name, "rows": rows,
                              "defaultValue": pairs_text(value, separator),
                              "onChange": change(name, lambda text: text_pairs(
                                  text, separator.strip()))})
    if widget in ("textarea", "sms-text"):
        return html.textarea({"class": "wl-input", "defaultValue": value or "", "name": name,
                              "rows": rows, "onChange": change(name)})
    return html.input({"class": "wl-input", "defaultValue": value or "", "name": name,
                       "placeholder": prop.get("x-placeholder", ""),  # an example, not words
                       "onChange": change(name)})


def _labels() -> list[tuple[str, str]]:
    return [(spec.key, spec.label) for spec in default_channels()]


@component
def SmsSize(source: str, subject: str = "", images: int = 0) -> Any:  # noqa: N802
    """The message's size as Korean carriers count it, and whether it goes as SMS, LMS or
    MMS."""
    _ = use_words()
    size = carrier_bytes(source or "")
    if size > LMS_MAX_BYTES:
        kind, text = "over", _("{size} bytes: longer than an LMS may be ({most})")
    elif images:
        kind, text = "lms", _("{size} bytes: sent as MMS (with images)")
    elif subject:
        kind, text = "lms", _("{size} bytes: sent as LMS (it has a subject)")
    elif size > SMS_MAX_BYTES:
        kind, text = "lms", _("{size} bytes: sent as LMS (over {most} bytes)")
    else:
        kind, text = "sms", _("{size} / {most} bytes: sent as SMS")
    most = LMS_MAX_BYTES if kind == "over" else SMS_MAX_BYTES
    return html.div({"class": f"wl-bytes {kind}", "data-bytes": str(size)},
                    fill(text, {"size": _.number(size), "most": _.number(most)}), " — ",
                    _("Hangul counts 2 bytes; the advertising label and opt-out line of a "
                      "marketing send count too."))


@component
def Actions(form: dict[str, Any], delete: Any) -> Any:  # noqa: N802
    """Save, and delete with a confirmation that names who still sends it."""
    confirming, set_confirming = use_state(False)
    _ = use_words()

    async def confirmed(e: Any) -> None:
        set_confirming(False)
        await delete(e)
    uses = form.get("used_by") or []
    row = [html.button({"class": "wl-button primary", "type": "submit", "data-action": "save"},
                       _("Save message") if form["id"] is None else _("Save changes"))]
    if form["id"] is not None and not confirming:
        row.append(html.button({"class": "wl-button", "type": "button", "data-action": "delete",
                                "onClick": lambda *_e: set_confirming(True)}, _("Delete")))
    confirm = html.div(
        {"class": "wl-confirm", "data-confirm": "delete"},
        html.span(_.n("Delete '{name}'? {n} journey sends it: {journeys}",
                      "Delete '{name}'? {n} journeys send it: {journeys}", len(uses),
                      name=form["name"], journeys=", ".join(f"'{use['name']}'" for use in uses))
                  if uses else _("Delete '{name}'?", name=form["name"])),
        html.button({"class": "wl-button danger", "type": "button", "data-action": "confirm",
                     "onClick": confirmed}, _("Delete")),
        html.button({"class": "wl-button", "type": "button", "data-action": "cancel",
                     "onClick": lambda *_e: set_confirming(False)}, _("Cancel"))
    ) if confirming else ""
    return html.div({"style": {"marginTop": "14px"}}, html.div({"class": "wl-row"}, row), confirm)


@component
def Notice(notice: dict[str, Any] | None, unplaced: list[str]) -> Any:  # noqa: N802
    """The outcome of the last save or delete; problems no field shows are listed here."""
    if not notice:
        return html.div()
    return html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"],
                    html.ul([html.li({"key": text}, text) for text in unplaced])
                    if unplaced else "")


@component
def Warnings(warnings: list[dict[str, Any]]) -> Any:  # noqa: N802
    """What may go wrong for some customers (a value no customer has yet)."""
    if not warnings:
        return html.div()
    return html.ul({"class": "wl-field-error warning", "data-warnings": "template"},
                   [html.li({"key": item["field"] + item["message"]}, item["message"])
                    for item in warnings])


def _uses(_: Words, count: int) -> str:
    if count == 0:
        return _("not sent by any journey")
    return _.n("sent by {n} journey", "sent by {n} journeys", count)
