"""The journey dashboard: entries, conversions and revenue per day, messages by channel and
status, a funnel from entry to goal and time to convert, over a range of local days, with the
headline compared to the period before.

Everything is read from the insight summary (`runtime.insight.journey_reads`), never from runs,
messages or events; the journey's document only names the funnel's steps. Each chart is a
dataset (column names, then rows) the page draws and the CSV endpoint writes as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import networkx as nx
from sqlalchemy import select

from builder.document import Document
from builder.i18n import N_, Words, words
from builder.validation import Issue
from nodes.kit.channel import default_channels
from runtime.errors import InvalidInputError, NotFoundError
from runtime.insight import days_between, rolled_at
from runtime.insight.journey_reads import (
    DayEngagement,
    DayFigures,
    PeriodTotals,
    StepMessages,
    read_channel_days,
    read_days,
    read_engagement,
    read_messages,
    read_to_convert,
    read_totals,
)
from runtime.insight.measures import TO_CONVERT
from runtime.run import lifecycle
from runtime.store.models import JourneyVersion, MessageStatus
from server.context import Wayline
from server.schemas.dashboard import Dataset, JourneyDashboard, Totals

DEFAULT_DAYS = 30
"""The range shown when none is asked for: the last 30 days, today included."""

MAX_DAYS = 366
"""The longest range one request may ask for."""

ROLLER = "journey_days"
"""The roller that keeps the summary this dashboard reads."""

CHARTS = ("entries", "conversions", "revenue", "messages", "funnel", "to_convert")
"""Every chart of the dashboard, by the name its dataset and CSV file carry."""

TO_CONVERT_LABELS = {"1h": N_("≤ 1 hour"), "6h": N_("1–6 hours"), "1d": N_("6–24 hours"),
                     "3d": N_("1–3 days"), "7d": N_("3–7 days"), "30d": N_("7–30 days"),
                     "more": N_("Over 30 days")}
"""Each time-to-convert bucket (runtime.insight.measures.TO_CONVERT) as people read it."""

STATUS_LABELS = {MessageStatus.SENT: N_("Sent"), MessageStatus.DELIVERED: N_("Delivered"),
                 MessageStatus.QUEUED: N_("Queued"), MessageStatus.DEFERRED: N_("Deferred"),
                 MessageStatus.HELD: N_("Held"), MessageStatus.FAILED: N_("Failed"),
                 MessageStatus.SUPPRESSED: N_("Suppressed")}
"""Message statuses in the order the stacked bars pile them, as people read them."""

COLUMN_LABELS = {"day": N_("Day"), "entered": N_("Entered"), "converted": N_("Converted"),
                 "revenue": N_("Revenue"), "channel": N_("Channel"), "step": N_("Step"),
                 "customers": N_("Customers"), "time_to_convert": N_("Time to convert"),
                 "conversions": N_("Conversions"), "opened": N_("Opened"),
                 "clicked": N_("Clicked"), "unsubscribed": N_("Unsubscribed")}
"""The datasets' column names as people read them (statuses: STATUS_LABELS)."""


def journey_dashboard(wl: Wayline, journey_id: int, first: date | None = None,
                      last: date | None = None, number: int | None = None,
                      language: str = "en") -> JourneyDashboard:
    """The dashboard of one journey over local days `first`..`last` (default: the last 30
    days), of one published version or all; labels in `language`."""
    _ = words(language)
    first, last = day_range(wl, first, last, _)
    span = (last - first).days + 1
    before_last = first - timedelta(days=1)
    before_first = before_last - timedelta(days=span - 1)
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        versions = session.execute(
            select(JourneyVersion.id, JourneyVersion.number)
            .where(JourneyVersion.journey_id == journey_id)
            .order_by(JourneyVersion.number.desc())).all()
        chosen = _chosen(versions, number, journey.name, journey.live_version_id)
        version_id = chosen.id if chosen is not None and number is not None else None
        raw = session.get(JourneyVersion, chosen.id).document if chosen is not None else None
        totals = read_totals(session, journey_id, first, last, version_id)
        previous = read_totals(session, journey_id, before_first, before_last, version_id)
        days = read_days(session, journey_id, first, last, version_id)
        engagement = read_engagement(session, journey_id, first, last, version_id)
        by_channel = read_channel_days(session, journey_id, first, last, version_id)
        to_convert = read_to_convert(session, journey_id, first, last, version_id)
        messages = read_messages(session, journey_id, first, last, version_id)
        updated_at = rolled_at(session, ROLLER)
    document = msgspec.convert(raw, Document) if raw is not None else None
    return JourneyDashboard(
        journey_id=journey_id, name=journey.name, published=bool(versions), version=number,
        versions=[row.number for row in versions], first=first, last=last,
        previous_first=before_first, previous_last=before_last, timezone=wl.settings.timezone,
        totals=_totals(totals), previous=_totals(previous), updated_at=updated_at,
        charts=[*_daily(_, days, first, last), _engagement(_, engagement, first, last),
                _channel_days(_, by_channel, first, last), _messages(_, messages),
                _funnel(wl, _, document, totals, messages), _to_convert(_, to_convert)])


def days_asked(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    """The range's days as written (YYYY-MM-DD; empty: the default), or an InvalidInputError
    listing each that is not a date."""
    found: list[date | None] = []
    issues = []
    for field, text in (("from", first), ("to", last)):
        try:
            found.append(date.fromisoformat(text) if text else None)
        except ValueError:
            found.append(None)
            issues.append(Issue(code="range.invalid", field=field, message=(
                f"'{field}' must be a day written YYYY-MM-DD, such as 2026-03-01 (not "
                f"{text[:20]!r}).")))
    if issues:
        raise InvalidInputError("The date range is not valid: " +
                                " ".join(issue.message for issue in issues), issues)
    return found[0], found[1]


def day_range(wl: Wayline, first: date | None, last: date | None,
              _: Words) -> tuple[date, date]:
    """The range asked for, filled in (to: today; from: 30 days before `to`), or an
    InvalidInputError naming the field that is wrong (in the language of `_`)."""
    last = last or wl.now().astimezone(ZoneInfo(wl.settings.timezone)).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        said = _("The range starts ({first}) after it ends ({last}): pick a start date on or "
                 "before the end date.", first=first, last=last)
        raise InvalidInputError(said, [Issue(code="range.invalid", field="from", message=said)])
    if (last - first).days + 1 > MAX_DAYS:
        said = _("A range holds at most {n} days: pick an end date within {n} days of the "
                 "start ({first}).", n=MAX_DAYS, first=first)
        raise InvalidInputError(said, [Issue(code="range.too_long", field="to", message=said)])
    return first, last


def _chosen(versions: list[Any], number: int | None, name: str, live_id: int | None) -> Any:
    """The version whose document names the funnel's steps: the one asked for, else the live
    one, else the newest (None: never published)."""
    if number is not None:
        found = next((row for row in versions if row.number == number), None)
        if found is None:
            raise NotFoundError(f"published version of '{name}'", number)
        return found
    return next((row for row in versions if row.id == live_id), versions[0] if versions else None)


def _totals(period: PeriodTotals) -> Totals:
    return Totals(entered=period.entered, converted=period.converted,
                  rate=period.converted / period.entered if period.entered else None,
                  revenue=period.revenue, sent=period.sent)


def _labels(_: Words, dimensions: Iterable[str]) -> dict[str, str]:
    table = {**COLUMN_LABELS, **STATUS_LABELS}
    return {dimension: _(table[dimension]) for dimension in dimensions}


def _dataset(_: Words, name: str, dimensions: list[str],
             rows: list[list[str | float]]) -> Dataset:
    return Dataset(name=name, dimensions=dimensions, labels=_labels(_, dimensions), rows=rows)


def _daily(_: Words, days: dict[date, DayFigures], first: date, last: date) -> list[Dataset]:
    """Entries, conversions and revenue: a row for every day of the range, zeros included."""
    every = [(day.isoformat(), days.get(day, DayFigures())) for day in days_between(first, last)]
    return [_dataset(_, "entries", ["day", "entered"], [[d, f.entered] for d, f in every]),
            _dataset(_, "conversions", ["day", "converted"],
                     [[d, f.converted] for d, f in every]),
            _dataset(_, "revenue", ["day", "revenue"], [[d, f.revenue] for d, f in every])]


def _engagement(_: Words, days: dict[date, DayEngagement], first: date,
                last: date) -> Dataset:
    """Messages sent, first opens, first clicks and unsubscribes: a row for every day."""
    every = [(day.isoformat(), days.get(day, DayEngagement()))
             for day in days_between(first, last)]
    return _dataset(_, "engagement", ["day", "sent", "opened", "clicked", "unsubscribed"],
                    [[d, f.sent, f.opened, f.clicked, f.unsubscribed] for d, f in every])


def _channel_days(_: Words, days: dict[date, dict[str, int]], first: date,
                  last: date) -> Dataset:
    """Messages sent per day, a column per channel that sent any."""
    channels = sorted({channel for counts in days.values() for channel in counts})
    return Dataset(name="channels", dimensions=["day", *channels],
                   labels={"day": _(COLUMN_LABELS["day"]),
                           **{channel: _channel_name(_, channel) for channel in channels}},
                   rows=[[day.isoformat(), *(days.get(day, {}).get(channel, 0)
                                             for channel in channels)]
                         for day in days_between(first, last)])


def _messages(_: Words, messages: list[StepMessages]) -> Dataset:
    """Messages by channel (a row each), one column per status any of them is in."""
    counts: dict[tuple[str, str], int] = {}
    for row in messages:
        counts[row.channel, row.status] = counts.get((row.channel, row.status), 0) + row.count
    statuses = [str(status) for status in STATUS_LABELS
                if any(status == seen for _channel, seen in counts)]
    channels = sorted({channel for channel, _status in counts})
    return _dataset(_, "messages", ["channel", *statuses],
                    [[_channel_name(_, channel),
                      *(counts.get((channel, status), 0) for status in statuses)]
                     for channel in channels])


def _channel_name(_: Words, key: str) -> str:
    """A channel as people call it ("KakaoTalk"); its key when no channel has it any more."""
    try:
        return _(default_channels()[key].name)
    except KeyError:
        return key


def _funnel(wl: Wayline, _: Words, document: Document | None, totals: PeriodTotals,
            messages: list[StepMessages]) -> Dataset:
    """Entered → each send step in path order (how many messages it made) → Converted."""
    if document is None:
        return _dataset(_, "funnel", ["step", "customers"], [])
    made: dict[str, int] = {}
    for row in messages:
        made[row.node_id] = made.get(row.node_id, 0) + row.count
    rows: list[list[str | float]] = [[_("Entered"), totals.entered]]
    for node in _path_order(document):
        spec = wl.registry.resolve(node.type, node.version)
        if spec is not None and spec.sends is not None:
            rows.append([node.data.label or _(spec.label), made.get(node.id, 0)])
    rows.append([_("Converted"), totals.converted])
    return _dataset(_, "funnel", ["step", "customers"], rows)


def _path_order(document: Document) -> list[Any]:
    """The steps in the order customers reach them: topological from the entry, ties broken
    top to bottom then left to right; a journey with a loop, breadth first."""
    graph = nx.DiGraph()
    for node in document.nodes:
        graph.add_node(node.id, node=node)
    graph.add_edges_from((edge.source, edge.target) for edge in document.edges
                         if edge.source in graph and edge.target in graph)

    def place(node_id: str) -> tuple[float, float]:
        position = graph.nodes[node_id]["node"].position
        return (position.y, position.x)

    try:
        order = list(nx.lexicographical_topological_sort(graph, key=place))
    except nx.NetworkXUnfeasible:
        roots = sorted((n for n in graph if graph.in_degree(n) == 0), key=place) or list(graph)
        order = list(dict.fromkeys(n for root in roots for n in nx.bfs_tree(graph, root)))
        order += [n for n in sorted(graph, key=place) if n not in order]
    return [graph.nodes[node_id]["node"] for node_id in order]


def _to_convert(_: Words, buckets: dict[str, int]) -> Dataset:
    """Conversions by time after entry, every bucket shown once any conversion is."""
    rows: list[list[str | float]] = [
        [_(TO_CONVERT_LABELS[key]), buckets.get(key, 0)] for key, _length in TO_CONVERT
    ] if any(buckets.values()) else []
    return _dataset(_, "to_convert", ["time_to_convert", "conversions"], rows)


def chart_csv(dashboard: JourneyDashboard, chart: str) -> str:
    """One chart's dataset as CSV text: its column names, then its rows (a cell that a
    spreadsheet would run as a formula is quoted as text, as the page's CSV button does)."""
    dataset = next((found for found in dashboard.charts if found.name == chart), None)
    if dataset is None:
        raise NotFoundError("chart", chart)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(dataset.dimensions)
    writer.writerows([_cell(value) for value in row] for row in dataset.rows)
    return out.getvalue()


_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(value: str | float) -> str:
    text = _number(value) if isinstance(value, int | float) else value
    if _FORMULA.match(text) and not _is_number(text):
        return "'" + text
    return text


def _number(value: int | float) -> str:
    """A number as JavaScript's String() writes it (3.0 → "3"), so both CSVs agree."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
