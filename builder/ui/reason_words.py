"""Why a customer went one way, said in the reader's language.

The engine, the node kinds, the send policy and the previews write their reasons in English
("waiting until Tue 2026-03-03 09:00 Asia/Seoul", "frequency cap: 2 sms marketing messages per
day reached"); the step log, the ledger and the API keep them so. `say_reason(_, text)` says one
in `_`'s language: it finds the template the reason was made from (`REASONS`), says it and puts
the same values back (a hole that is itself a reason is said too). A reason made of reasons
("all of these match: (…) | …", "waiting 2 days; the wait is over") is said part by part.
`said_preview(_, op, data)` says every reason in a preview answer before it goes to the canvas;
`said_timeline(_, items)` every step's detail and message's or ending's reason on a customer's
timeline. What a marketer typed (a step's label, an exit reason, an attribute) is kept as typed.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from builder.i18n import N_, Words
from builder.i18n.messages import Templates, known, say
from builder.ui.service_words import said
from nodes.kit.rules import COUNT_WORDS, OP_WORDS

REASONS = (
    # Steps (nodes/*.py `why=`, runtime/flow/engine.py)
    N_("entered by an API call"),
    N_("entered as part of the audience"),
    N_("enters"),
    N_("did '{event}'"),
    N_("'{attribute}' came round"),
    N_("waiting {duration}"),
    N_("waiting until {moment} from '{attribute}'"),
    N_("waiting until {moment}"),
    N_("waiting up to {duration} for '{event}'"),
    N_("'{attribute}' is missing, so the customer goes on without waiting"),
    N_("'{attribute}' is not a date ({value}), so the customer goes on without waiting"),
    N_("'{attribute}' ({value}) is too far off to wait for, so the customer goes on without "
       "waiting"),
    N_("{moment} from '{attribute}' has already passed, so the customer goes on without "
       "waiting"),
    N_("sending template {template} by {channel}"),
    N_("giving a coupon from pool {pool}"),
    N_("updating the profile ({count} change(s))"),
    N_("drew {drawn} of 100: {label} ({percent}%)"),
    N_("matched no branch"),
    N_("not {branch} ({reason})"),
    N_("'{event}' did not happen in time"),
    N_("the wait is over"),
    N_("the event arrived"),
    N_("end of path"),
    N_("stopped after {count} steps (a journey may not loop)"),
    N_("left: {reason}"),
    N_("exit criteria"),
    N_("converted"),
    N_("journey archived"),
    N_("left when version {number} was published"),
    # Rules (nodes/kit/rules.py evaluate/explain, server/services/previews.py clauses)
    N_("all of these match"),
    N_("not all of these match"),
    N_("at least one matches"),
    N_("none of these match"),
    N_("not ({reason})"),
    N_("has tag '{tag}'"),
    N_("does not have tag '{tag}'"),
    N_("{field} is {shown}; wanted: {wanted} {op}{target}"),
    N_("did '{event}' {count} time(s); needs {need} {number}"),
    N_("did '{event}' {count} time(s) in the last {duration}; needs {need} {number}"),
    N_("did '{event}'{filters} {count} time(s); wanted: {need} {number}"),
    N_("did '{event}'{filters} {count} time(s) in the last {duration}; wanted: {need} {number}"),
    # Messages (runtime/run/simulation.py, runtime/messaging/policy.py, gate.py, flight.py)
    N_("template #{id} no longer exists"),
    N_("template '{name}' is for {channel}, not {channel2}"),
    N_("at most {limit} a minute go from this step"),
    N_("no marketing consent for {channel}"),
    N_("the customer refused transactional {channel}"),
    N_("refused advertising through {line} on {day}"),
    N_("{window}: no marketing {span} ({zone})"),
    N_("{window}: no sending {span} ({zone})"),
    N_("frequency cap: {limit} {channel} marketing message per {days} reached"),
    N_("frequency cap: {limit} {channel} marketing messages per {days} reached"),
    N_("skipped, as the send step says"),
    N_("not sent: the customer left the journey ({reason})"),
    N_("not sent: the customer left the journey when version {number} was published"),
    # The ledger, as a customer's timeline shows it (runtime/messaging/brakes.py, gate.py,
    # throttle.py, calls.py, channels.py, receipts.py)
    N_("held: the journey is paused"),
    N_("held: this step is paused"),
    N_("not sent: the journey was archived"),
    N_("not sent: no longer in the journey's entry audience"),
    N_("waiting its turn: this step sends at most {limit} a minute"),
    N_("waiting its turn: this journey sends at most {limit} a minute"),
    N_("waiting its turn: the {channel} provider takes {limit} a second"),
    N_("retrying: {reason}"),
    N_("gave up after {count} attempts: {reason}"),
    N_("the {channel} provider reported it undelivered: {answer}"),
    N_("the mail server refused the customer's address: {code}"),
    N_("the mail server answered {code}"),
    # Entering (server/services/path_preview.py entry_moment)
    N_("'{attribute}' is {value}, which gives no entry date from then on"),
    N_("enters on their '{attribute}' ({moment})"),
    N_("the payload lacks {fields}, so the call would be refused"),
    N_("the '{event}' event's properties do not pass the entry's filters"),
    N_("does not match the entry audience: {reason}"),
    N_("matches the entry audience: {reason}"),
)
"""The reasons the engine, node kinds, send policy and previews give, as templates."""

NOTES = (
    # server/services/path_preview.py
    N_("Random splits draw anew for each entry: this preview shows one possible draw; the real "
       "run may take another path with the chances shown on the split."),
    # server/services/explanation.py
    N_("'{attribute}' gives no entry date from now on, so this customer would not enter."),
    N_("Next entry: {moment} (from '{attribute}')."),
    # server/services/previews.py (what the entry does, and its notes)
    N_("Customers matching the audience rule enter when you publish, and later as they start "
       "to match."),
    N_("Customers matching the segment '{segment}' enter when you publish, and later as they "
       "start to match."),
    N_("A customer enters when they do '{event}'. The count is who could enter: every "
       "customer."),
    N_("A customer enters when they do '{event}'. The count is who could enter: customers "
       "matching 'Only customers who match'."),
    N_("A customer enters when they do '{event}' with matching properties. The count is who "
       "could enter: every customer."),
    N_("A customer enters when they do '{event}' with matching properties. The count is who "
       "could enter: customers matching 'Only customers who match'."),
    N_("Customers enter every year on their '{attribute}' at {at} in their time zone. The "
       "count is everyone with '{attribute}' set."),
    N_("Customers enter once, on their '{attribute}' at {at} in their time zone. The count is "
       "everyone with '{attribute}' set."),
    N_("Customers enter every year on their '{attribute}' {shift} days at {at} in their time "
       "zone. The count is everyone with '{attribute}' set."),
    N_("Customers enter once, on their '{attribute}' {shift} days at {at} in their time zone. "
       "The count is everyone with '{attribute}' set."),
    N_("Your systems put customers in with an API call naming them, so no audience can be "
       "counted in advance."),
    N_("'Also enter everyone who matches at publish' is off: only customers who start to "
       "match after publishing will enter; the count is everyone who matches now."),
    N_("Previews use the entry's sample payload unless you give one."),
    # nodes/flow_wait_event.py preview_note is a registry word (builder.i18n.registry_words)
    # server/services/dry_runs.py
    N_("Entries: about {entered} at most {per_entry} a minute, so the last enter about "
       "{minutes} minutes after the first."),
    N_("'{step}': about {count} messages at most {limit} a minute, so they go out over about "
       "{minutes} minutes."),
    N_("The journey sends at most {whole} messages a minute: about {total} go out over about "
       "{minutes} minutes."),
    N_("{population} customers are in the entry audience; a uniform random sample of {sample} "
       "was simulated and every count scaled up, with its 95% margin."),
    N_("Everyone who could enter is simulated as if they did '{event}' at the start; in reality "
       "each enters when they do it."),
    N_("Every customer is simulated as if your systems put them in at the start, with the "
       "entry's sample payload."),
    N_("Customers enter on their own '{attribute}'; those whose date comes after the horizon "
       "do not enter within it."),
    N_("Goals and exit criteria act on future events, so nobody leaves early by them here."),
    N_("Random splits draw per customer here and per entry in the real run: counts after a "
       "split carry the margin of that draw."),
)
"""The notes beside a preview and a dry run, as templates."""

COPY_OF = N_("Copy of {name}")
"""What a copied journey is called (`services.clone_journey(id, copy_of=_(COPY_OF))`): the
name is made in the reader's language and stored as made."""

WORDS = (N_("equals"), N_("does not equal"), N_("is less than / before"),
         N_("is at most / on or before"), N_("is more than / after"),
         N_("is at least / on or after"), N_("is between"), N_("is one of"), N_("is none of"),
         N_("contains"), N_("does not contain"), N_("is set"), N_("is not set"),
         N_("is within the last"), N_("is more than this long ago:"),
         N_("is within the next"),
         N_("at least"), N_("at most"), N_("exactly"), N_("more than"), N_("fewer than"),
         N_("night-time"), N_("quiet hours"), N_(" with matching properties"),
         N_("provider closed hours"),
         N_(" (with matching properties)"), N_("missing"), N_("not set"), N_("all day"),
         N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"),
         N_("Sat"), N_("Sun"))
"""Words that fill a reason's holes (rules.OP_WORDS, rules.COUNT_WORDS, the send windows'
names and days), said as catalogue entries."""

_UNITS = {"minute": lambda _, n: _.n("{n} minute", "{n} minutes", n),
          "hour": lambda _, n: _.n("{n} hour", "{n} hours", n),
          "day": lambda _, n: _.n("{n} day", "{n} days", n),
          "week": lambda _, n: _.n("{n} week", "{n} weeks", n)}
"""A duration's unit, said with its count."""

_OPS = "|".join(re.escape(word) for word in sorted(OP_WORDS.values(), key=len, reverse=True))
_NEEDS = "|".join(re.escape(word) for word in sorted(COUNT_WORDS.values(), key=len,
                                                      reverse=True))
HOLE_PATTERNS = {
    "op": _OPS, "need": _NEEDS, "target": r"(?: .+)?", "filters": r"(?: \(with matching "
    r"properties\))?", "duration": r"\d+ (?:minute|hour|day|week)s?",
    "days": r"(?:\d+ )?days?", "window": r"[a-z -]+",
    "span": r"(?:all day|\d\d:\d\d–\d\d:\d\d)(?: on [A-Za-z, ]+)?",
    "shift": r"[+-]\d+", "at": r"\d\d:\d\d", "moment": r"(?:[A-Z][a-z]{2} )?\d{4}-.+?",
    "count": r"[\d,]+", "number": r"[\d,]+", "limit": r"[\d,]+", "code": r"\d+",
}
"""Holes that match a shape, not any text."""

SAID_HOLES = {"reason"}
"""Holes holding a reason of their own (said in turn)."""

WORD_HOLES = {"op", "need", "window", "filters", "label", "shown"}
"""Holes holding one of `WORDS` (or a port's label), said as a catalogue entry; any other
hole (a value, an event's or attribute's name, a moment) is kept as it is."""

GROUPS = ("all of these match", "not all of these match", "at least one matches",
          "none of these match", "matched no branch")
"""How a group's reason begins when its deciding parts follow (`rules.explain`)."""

_BRANCHES = re.compile(r"; (?=not )")
"""Where one branch's reason ends in a split's "matched no branch: not Gold (…); not …"."""
_NOT_BRANCH = re.compile(r"not (?P<branch>.+?) \((?P<reason>.*)\)", re.S)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def say_reason(_: Words, text: str) -> str:
    """A reason (or a note) a service gave in English, in `_`'s language, its values kept."""
    direct = known(_, text)
    if direct is not None:
        return direct
    for head in GROUPS:
        if text.startswith(head + ": "):
            rest = text[len(head) + 2:]
            if head == "matched no branch":  # "not Gold (…); not Silver (…)"
                return f"{_(head)}: " + "; ".join(
                    _branch(_, part) for part in _BRANCHES.split(rest))
            return f"{_(head)}: " + " | ".join(_part(_, part) for part in _split(rest, " | "))
    found = _templates().match(text)
    if found:
        template, values = found
        return _(template, **{name: _hole(_, name, value) for name, value in values.items()})
    for glue in ("; ", ": "):
        head, found, rest = text.partition(glue)
        if found and rest:
            return f"{say_reason(_, head)}{glue}{say_reason(_, rest)}"
    return say(_, said(_, text))


def _branch(_: Words, part: str) -> str:
    """A split's branch and why it did not match ("not Gold (…)"): its label kept as the
    marketer wrote it."""
    found = _NOT_BRANCH.fullmatch(part)
    if found is None:
        return say_reason(_, part)
    return _("not {branch} ({reason})", branch=found["branch"],
             reason=say_reason(_, found["reason"]))


def _part(_: Words, part: str) -> str:
    if part.startswith("(") and part.endswith(")"):
        return f"({say_reason(_, part[1:-1])})"
    return say_reason(_, part)


def _hole(_: Words, name: str, value: str) -> str:
    if name in SAID_HOLES:
        return say_reason(_, value)
    if name in WORD_HOLES:
        return _(value)
    if name == "duration":
        return duration(_, value)
    if name == "moment":  # 'Tue 2026-03-03 09:00 Asia/Seoul' (flow_delay): the day in words
        day, _space, rest = value.partition(" ")
        return f"{_(day)} {rest}" if day in _WEEKDAYS else value
    if name == "days":
        return duration(_, "1 day" if value == "day" else value)
    if name == "span":
        span, _on, days = value.partition(" on ")
        if not days:
            return _(span)
        # Only Korean gets here (English is said as it is), and Korean names the days first;
        # no catalogue template, as "{span} on {weekdays}" would match any text with " on ".
        return f"{', '.join(_(day) for day in days.split(', '))} {_(span)}"
    return value


def _split(text: str, glue: str) -> list[str]:
    """`text` split at `glue` outside parentheses (an explained group holds its own parts)."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(glue, index):
            parts.append(text[start:index])
            start = index = index + len(glue)
            continue
        index += 1
    return [*parts, text[start:]]


def duration(_: Words, text: str) -> str:
    """'3 days' (as `Duration.describe` and the caps write it) in `_`'s language."""
    amount, _space, unit = text.partition(" ")
    counted = _UNITS.get(unit.rstrip("s"))
    if counted is None or not amount.isdigit():
        return text
    return counted(_, int(amount))


@cache
def _templates() -> Templates:
    """The templates reasons and notes are made from."""
    return Templates((*REASONS, *NOTES), HOLE_PATTERNS)


PREVIEW_TEXTS = {"path": ("entry_why", "end_reason", "notes"), "explain": ("summary", "notes"),
                 "audience": ("notes",), "dry_run": ("notes",)}
"""The reason fields of each preview answer's data (the path's steps and the explanation's
clauses are said inside)."""


def said_preview(_: Words, op: str, data: Any) -> Any:
    """A preview answer's data with every reason and note in `_`'s language."""
    if not isinstance(data, dict) or _.language == "en":
        return data
    data = dict(data)
    if isinstance(data.get("entry"), dict):
        data["entry"] = {**data["entry"], "summary": say_reason(_, data["entry"]["summary"])}
    for key in PREVIEW_TEXTS.get(op, ()):
        data[key] = _said(_, data.get(key))
    if op == "path":
        data["steps"] = [_said_step(_, step) for step in data.get("steps") or []]
    if op == "explain":
        for key in ("clauses", "failed"):
            data[key] = [{**clause, "reason": say_reason(_, clause.get("reason") or "")}
                         for clause in data.get(key) or []]
    return data


def _said_step(_: Words, step: dict[str, Any]) -> dict[str, Any]:
    step = {**step, "why": say_reason(_, step.get("why") or "")}
    if step.get("message"):
        step["message"] = {**step["message"],
                           "reason": _said(_, step["message"].get("reason"))}
    return step


def _said(_: Words, value: Any) -> Any:
    if isinstance(value, str):
        return say_reason(_, value)
    if isinstance(value, list):
        return [_said(_, item) for item in value]
    return value


TIMELINE_TEXTS = {"step": "detail", "message": "reason", "ended": "reason"}
"""The reason field of each kind of timeline item (server.schemas.timeline)."""


def said_timeline(_: Words, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A customer's timeline items with every step's detail and every message's and ending's
    reason in `_`'s language (the other fields as they are)."""
    if _.language == "en":
        return items
    return [{**item, field: say_reason(_, item[field])} if item.get(field) else item
            for item in items for field in [TIMELINE_TEXTS.get(item.get("kind"), "")]]
