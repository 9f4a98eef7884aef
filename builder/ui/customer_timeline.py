"""One customer's timeline: what they did, the journeys they entered and left, each step with
its time, and every message with a status that says what it means ("In outbox" until it
leaves) and, when it was held back or failed, why and when it is tried next.

Times are shown in full (date with year, time and zone) in the customer's own time zone (the
workspace's when they have none), since that is the clock the send rules follow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reactpy import component, html

from builder.i18n import N_, Words
from builder.ui.reactpy_glue import use_words
from builder.ui.reason_words import said_timeline
from nodes.kit.channel import default_channels

FILTERS = (("all", N_("Everything")), ("message", N_("Messages")),
           ("journey", N_("Journeys and steps")), ("event", N_("Events")))

KIND_LABELS = {"event": N_("Event"), "entered": N_("Entered"), "step": N_("Step"),
               "message": N_("Message"), "ended": N_("Left")}

STATUS_WORDS = {"queued": N_("In outbox"), "deferred": N_("In outbox"), "sent": N_("Sent"),
                "delivered": N_("Delivered"), "failed": N_("Failed"),
                "suppressed": N_("Suppressed")}
"""What a message's ledger status means to a marketer: queued and deferred ones haven't left."""

STATUS_WITH_REASON = {"failed": N_("Failed: {reason}"), "suppressed": N_("Suppressed: {reason}")}

TIMELINE_STYLE = """
.wl-tl { list-style: none; margin: 0; padding: 0; background: #fff; border: 1px solid var(--line);
         border-radius: 12px; }
.wl-tl li { display: grid; grid-template-columns: 190px 92px 1fr; gap: 12px; padding: 12px 16px;
            border-bottom: 1px solid var(--line); align-items: start; }
.wl-tl li:last-child { border-bottom: 0; }
.wl-tl .when { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 13px; }
.wl-tl .kind { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em;
               color: var(--muted); }
.wl-tl .kind.message { color: #ea580c; } .wl-tl .kind.event { color: #0891b2; }
.wl-tl .kind.entered, .wl-tl .kind.ended { color: var(--brand); }
.wl-tl .what { color: var(--ink); }
.wl-tl .sub { color: var(--muted); font-size: 13px; margin-top: 2px; }
.wl-tl .why { margin-top: 6px; padding: 6px 10px; border-radius: 8px; background: var(--warn-soft);
              color: #92400e; font-size: 13px; }
.wl-tl .why.stop { background: #f1f5f9; color: var(--ink-2); }
.wl-tl .why.bad { background: var(--err-soft); color: #991b1b; }
.wl-state { display: inline-block; margin-left: 8px; padding: 1px 8px; border-radius: 999px;
            font-size: 12px; font-weight: 600; }
.wl-state.sent, .wl-state.delivered { background: var(--ok-soft); color: #166534; }
.wl-state.deferred, .wl-state.queued { background: var(--brand-soft); color: var(--brand); }
.wl-state.suppressed { background: #e2e8f0; color: var(--ink-2); }
.wl-state.failed { background: var(--err-soft); color: #991b1b; }
.wl-more { display: flex; justify-content: center; margin-top: 14px; }
"""


CHANNEL_LABELS = {spec.key: spec.label for spec in default_channels()}
"""Each channel's label (the registry's words, translated where shown)."""


def full_date(_: Words, value: str | None, zone: ZoneInfo) -> str:
    """An ISO time in full in `zone`, as the page's language writes it."""
    if not value:
        return ""
    return _.date(datetime.fromisoformat(value).astimezone(zone))


def status_text(_: Words, item: dict[str, Any]) -> str:
    """A message's status in words: 'In outbox', 'Sent', 'Failed: reason'…"""
    status, reason = item["status"], item.get("reason")
    if reason and status in STATUS_WITH_REASON:
        return _(STATUS_WITH_REASON[status], reason=reason)
    return _(STATUS_WORDS.get(status, status))


def describe(_: Words, item: dict[str, Any], zone: ZoneInfo
             ) -> tuple[str, str, dict[str, str] | None]:
    """What an item says: the main line, a detail line, and a highlighted why (class, text)."""
    kind = item["kind"]
    if kind == "event":
        props = ", ".join(f"{k}={v}" for k, v in list(item["properties"].items())[:4])
        return item["name"], props, None
    journey = item.get("journey_name", "")
    if kind == "entered":
        return (_("Entered “{journey}”", journey=journey),
                _("version {number}", number=item["version"]), None)
    if kind == "ended":
        line = _("Finished “{journey}”", journey=journey) if item["status"] == "done" else \
            _("Left “{journey}”", journey=journey)
        return line, item.get("reason") or "", None
    if kind == "step":
        return _step_lines(_, item, zone, journey)
    return _message_lines(_, item, zone)


def _step_lines(_: Words, item: dict[str, Any], zone: ZoneInfo, journey: str
                ) -> tuple[str, str, None]:
    outcome = {"waiting": _("{step} (waiting here)", step=item["node_label"]),
               "exited": _("{step} (exit)", step=item["node_label"])}
    line = outcome.get(item["outcome"], item["node_label"])
    if item.get("port"):
        line = _("{step} → {port}", step=line, port=item["port"])
    parts = [journey, item.get("detail") or ""]
    if item.get("left_at") and item["left_at"] != item["at"]:
        parts.append(_("left {when}", when=full_date(_, item["left_at"], zone)))
    return line, " · ".join(part for part in parts if part), None


def _message_lines(_: Words, item: dict[str, Any], zone: ZoneInfo
                   ) -> tuple[str, str, dict[str, str] | None]:
    status, reason = item["status"], item.get("reason")
    line = _("{channel} from “{step}”", channel=_(CHANNEL_LABELS.get(item["channel"],
                                                                   item["channel"])),
             step=item["node_label"])
    parts = [item["journey_name"], item["purpose"]]
    if item.get("sent_at"):
        parts.append(_("sent {when}", when=full_date(_, item["sent_at"], zone)))
    why = None
    if reason and status not in STATUS_WITH_REASON:  # a failed or suppressed one's status says
        text = _("Why: {reason}", reason=reason)
        if item.get("next_attempt_at") and status in ("deferred", "queued"):
            text = _("Why: {reason} · next try {when}", reason=reason,
                     when=full_date(_, item["next_attempt_at"], zone))
        tone = "" if status in ("deferred", "queued") else "stop"
        why = {"class": f"why {tone}".strip(), "text": text, "kind": item.get("reason_kind") or ""}
    return line, " · ".join(parts), why


def keep(item: dict[str, Any], shown: str) -> bool:
    """Whether the filter `shown` keeps an item."""
    if shown == "all":
        return True
    if shown == "journey":
        return item["kind"] in ("entered", "step", "ended")
    return item["kind"] == shown


@component
def Timeline(page: dict[str, Any], shown: str, set_shown: Any, zone: ZoneInfo,  # noqa: N802
             older: Any) -> Any:
    """The filter, the items, and a button for older ones."""
    _ = use_words()
    items = said_timeline(_, [item for item in page["items"] if keep(item, shown)])
    return html.section(
        {"class": "wl-card-block"},
        html.h2(_("Timeline")),
        html.div({"class": "wl-tabs"}, [
            html.button({"key": key, "class": "on" if key == shown else "", "data-filter": key,
                         "onClick": _show(set_shown, key)}, _(label))
            for key, label in FILTERS]),
        html.ol({"class": "wl-tl", "data-timeline": ""}, [
            TimelineRow(item, zone, key=f"{index}") for index, item in enumerate(items)])
        if items else html.div({"class": "wl-empty-card"}, _("Nothing here yet.")),
        html.div({"class": "wl-more"}, html.button(
            {"class": "wl-button", "data-action": "older", "onClick": older},
            _("Show older"))) if page.get("next_before") else "")


def _show(set_shown: Any, key: str) -> Any:
    return lambda *_: set_shown(key)


@component
def TimelineRow(item: dict[str, Any], zone: ZoneInfo) -> Any:  # noqa: N802
    """One item: when, what kind, what happened (and for a message, its state and why)."""
    _ = use_words()
    line, sub, why = describe(_, item, zone)
    state = html.span({"class": f"wl-state {item['status']}", "data-status": item["status"],
                       "data-reason": (item.get("reason_kind") or "")
                       if item["status"] in STATUS_WITH_REASON else ""},
                      status_text(_, item)) if item["kind"] == "message" else ""
    return html.li(
        {"data-kind": item["kind"]},
        html.span({"class": "when"}, full_date(_, item["at"], zone)),
        html.span({"class": f"kind {item['kind']}"}, _(KIND_LABELS[item["kind"]])),
        html.div(html.div({"class": "what"}, line, state),
                 html.div({"class": "sub"}, sub) if sub else "",
                 html.div({"class": why["class"], "data-reason": why["kind"]}, why["text"])
                 if why else ""))
