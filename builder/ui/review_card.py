"""The review card under an AlimTalk template on the Messages page: where the template stands
in Kakao's review (not submitted, registered, under review, approved, rejected with the reason,
dormant), with a button to submit it through the kakao provider and one to check now. Where no
provider takes reviews, an admin sets the status by hand from the provider's console
(`server.services.template_reviews`); publishing refuses a template that is not approved."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import event_value, use_words
from builder.ui.service_words import said
from builder.ui.services import Json, UiError, UiServices

STATUSES = {None: N_("Not submitted"), "registered": N_("Registered"),
            "under_review": N_("Under review"), "approved": N_("Approved"),
            "rejected": N_("Rejected"), "dormant": N_("Dormant")}
"""Each review status, as the card names it."""

SETTABLE = ("under_review", "approved", "rejected")
"""What an admin may set by hand."""


@component
def ReviewCard(services: UiServices, template_id: int, version: int) -> Any:  # noqa: N802
    """The template's review status and what can be done about it."""
    _ = use_words()
    review, set_review = use_state(None)
    notice, set_notice = use_state(None)
    by_hand, set_by_hand = use_state({"status": "approved", "reason": ""})

    @use_async_effect(dependencies=[template_id, version])
    async def load() -> None:
        set_review(await asyncio.to_thread(services.get_template_review, template_id))

    def act(call: Any, *arguments: Any) -> Any:
        async def handle(*_event: Any) -> None:
            try:
                set_review(await asyncio.to_thread(call, template_id, *arguments))
                set_notice(None)
            except UiError as error:
                set_notice({"kind": "error", "text": said(_, error.message),
                            "issues": [said(_, issue["message"]) for issue in error.issues]})
        return handle

    if review is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    status = review["status"]
    return html.section(
        {"class": "wl-card", "data-card": "review", "data-review-status": status or "none"},
        html.h2(_("Kakao review")),
        html.p(html.strong({"data-review": "status"}, _(STATUSES[status])),
               html.span({"data-review": "reason"}, f" — {review['reason']}")
               if review["reason"] else ""),
        html.p({"class": "hint", "data-review": "edited"},
               _("Edited since it was submitted: submit it again.")) if review["edited_since"]
        else "",
        html.p({"class": "hint"}, _("AlimTalk sends only templates Kakao approved; journeys "
                                    "can't be published with one that is not.")),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"],
                 html.ul({"class": "wl-problems"}, [html.li({"key": text}, text)
                                                    for text in notice["issues"]]))
        if notice else "",
        html.div({"class": "wl-row"},
                 html.button({"class": "wl-button primary", "type": "button",
                              "data-action": "submit-review",
                              "onClick": act(services.submit_template_review)},
                             _("Submit for review"))
                 if review["can_submit"] and services.may("templates.edit") else "",
                 html.button({"class": "wl-button", "type": "button",
                              "data-action": "refresh-review",
                              "onClick": act(services.refresh_template_review)},
                             _("Check now"))
                 if review["can_submit"] and status and services.may("templates.edit") else ""),
        ByHand(by_hand, set_by_hand, act(services.set_template_review, by_hand))
        if services.may("workspace.edit") else "")


@component
def ByHand(value: Json, set_value: Any, save: Any) -> Any:  # noqa: N802
    """An admin copies the status (and a rejection's reason) from the provider's console."""
    _ = use_words()

    def on(name: str) -> Any:
        return event(lambda e, *_: set_value(lambda old: {**old, name: event_value(e)}))

    return html.details(
        {"data-review": "by-hand"},
        html.summary(_("Set the status by hand (from the provider's console)")),
        html.div({"class": "wl-row"},
                 html.select({"class": "wl-input", "value": value["status"],
                              "data-field": "review-status", "onChange": on("status")},
                             [html.option({"key": key, "value": key}, _(STATUSES[key]))
                              for key in SETTABLE]),
                 html.input({"class": "wl-input", "value": value["reason"],
                             "placeholder": _("Reason (for a rejection)"),
                             "data-field": "review-reason", "onChange": on("reason")}),
                 html.button({"class": "wl-button", "type": "button",
                              "data-action": "set-review", "onClick": save}, _("Set status"))))
