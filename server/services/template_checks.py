"""Checking a template before it is saved: every problem that would stop it rendering or
sending for anyone, each part on its own field.

The same Liquid environment and parsing the runtime renders with (`runtime.messaging.rendering`)
checks
each part (subject, message, HTML, webhook URL, headers, variables) with the others replaced by
plain text, so every broken part is reported at once with the line Liquid points at; then the
whole template as the runtime will compile it. A webhook URL written to an internal or
metadata address is refused unless WAYLINE_WEBHOOK_ALLOW lists it (`runtime.outbound`). An
altered advertising label ("[광고]" …) and a message carried only by images are refused
(`runtime.messaging.ad_checks`), and on AlimTalk every #{name} needs its variable.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nodes.kit.channel import Address, ChannelSpec, channel
from runtime.errors import InvalidInputError
from runtime.messaging.ad_checks import image_only, label_problems
from runtime.messaging.rendering import CACHE
from runtime.messaging.reviews import variables_in
from runtime.messaging.webhook_content import address_problem
from runtime.outbound import AllowList

PLAIN = {"subject": "x", "source": "x", "html": "x", "url": "https://example.com", "header": "x",
         "deep_link": "x"}
"""Markup-free stand-ins for the parts not being checked, so a Liquid error is pinned on one."""


@dataclass
class Draft:
    """A template as rendering sees it (`runtime.messaging.rendering.TemplateLike`), saved or
    not."""

    channel: str
    subject: str | None
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    version: int = 1
    name: str = ""


def check_template(draft: Draft, allow: AllowList | None = None) -> None:
    """Every problem that would stop this template rendering or sending for anyone, or
    nothing; `allow` is the operator's list of internal webhook hosts."""
    issues = _shape_issues(draft)
    issues += _liquid_issues(draft, final_check=not issues)
    issues += _address_issues(draft, allow or AllowList())
    issues += _ad_issues(draft) + _variable_issues(draft)
    if issues:
        raise InvalidInputError("The template has problems: " +
                                "; ".join(issue["message"] for issue in issues[:5]), issues)


def _shape_issues(draft: Draft) -> list[dict[str, str]]:
    """Options the channel does not have, then the channel's own rules (`ChannelSpec.check`)."""
    spec = channel(draft.channel)
    issues = [issue(f"options.{option}", f"{spec.name} templates have no '{option}' option; "
                    "remove it") for option in draft.options if option not in spec.option_names]
    return issues + [issue(problem.field, problem.message) for problem in spec.check(draft)]


def _liquid_issues(draft: Draft, final_check: bool) -> list[dict[str, str]]:
    """Each part parsed on its own, the others replaced by plain text, by the runtime's parser;
    then (`final_check`) the whole template, as the runtime will compile it."""
    issues = []
    plain = _plain(draft)
    for path in _parts(draft):
        part = _get_part(draft, path)
        if not str(part).strip():  # nothing to parse (an empty required part is a shape issue)
            continue
        alone = copy.deepcopy(plain)
        _set(alone, path, part)
        error = CACHE.compiled(alone, strict=False).error
        if error is not None:
            issues.append(issue(".".join(path), error.reason[0].upper() + error.reason[1:]))
    if final_check and not issues:  # whatever else the runtime would refuse, refused here too
        error = CACHE.compiled(draft, strict=False).error
        if error is not None:
            issues.append(issue("source", error.reason))
    return issues


def _address_issues(draft: Draft, allow: AllowList) -> list[dict[str, str]]:
    """A webhook URL written to an internal or metadata address, unless allow-listed."""
    url = str(draft.options.get("url") or "")
    problem = address_problem(url, allow) if _calls_url(channel(draft.channel)) else None
    return [issue("options.url", problem)] if problem else []


def _ad_issues(draft: Draft) -> list[dict[str, str]]:
    """A label written altered on a part the channel labels (정보통신망법 제50조 ④, 시행령
    제61조), and images with no text to carry the label and opt-out line."""
    spec = channel(draft.channel)
    fields = {"text": "source", "body": "source", "subject": "subject", "title": "subject"}
    issues = []
    for part in spec.ad_label:
        where = fields.get(part, part)
        text = draft.source if where == "source" else draft.subject
        issues += [issue(where, problem) for problem in label_problems(text or "")]
    if image_only(draft.source, draft.options):
        issues.append(issue("source", "An advertisement may not be an image only: write its "
                                      "text, which carries (광고), the sender's name and the "
                                      "free opt-out line"))
    return issues


def _variable_issues(draft: Draft) -> list[dict[str, str]]:
    """On a channel Kakao reviews, each #{name} in the text needs a variable giving its value."""
    if not channel(draft.channel).reviewed:
        return []
    have = set((draft.options or {}).get("variables") or {})
    return [issue("options.variables", f"The text has #{{{name}}} but no variable '{name}': "
                  f"add '{name} = ' and its Liquid value under Variables")
            for name in variables_in(draft.source) if name not in have]


def _parts(draft: Draft) -> Iterator[tuple[str, ...]]:
    if draft.subject is not None:
        yield ("subject",)
    yield ("source",)
    for option in ("html", "url", "deep_link"):
        if option in draft.options:
            yield ("options", option)
    for group in ("headers", "variables", "data"):
        for key in draft.options.get(group) or {}:
            yield ("options", group, key)


def _plain(draft: Draft) -> Draft:
    """The template with every part plain text, and the parts a channel needs present (so the
    only problem a check can find is in the one part put back)."""
    spec = channel(draft.channel)
    options: dict[str, Any] = {"url": PLAIN["url"]} if _calls_url(spec) else {}
    options.update({key: PLAIN[key] for key in ("html", "url", "deep_link")
                    if key in draft.options})
    for group in ("headers", "variables", "data"):
        if group in draft.options:
            options[group] = {name: PLAIN["header"] for name in draft.options[group]}
    if "template_code" in draft.options:
        options["template_code"] = draft.options["template_code"]
    needs_subject = draft.subject is not None or spec.is_required("subject")
    source = "{}" if _calls_url(spec) else PLAIN["source"]  # a webhook body must be JSON
    return Draft(draft.channel, PLAIN["subject"] if needs_subject else None, source, options)


def _calls_url(spec: ChannelSpec) -> bool:
    """True for a channel that calls the URL its template names (a webhook)."""
    return spec.address is Address.URL


def _get_part(draft: Draft, path: tuple[str, ...]) -> Any:
    value: Any = draft.options if path[0] == "options" else getattr(draft, path[0])
    for key in path[1:]:
        value = value[key]
    return value


def _set(draft: Draft, path: tuple[str, ...], value: Any) -> None:
    if len(path) == 1:
        setattr(draft, path[0], value)
        return
    target = draft.options
    for key in path[1:-1]:
        target = target[key]
    target[path[-1]] = value


def issue(where: str, message: str) -> dict[str, str]:
    """A template problem on one field."""
    return {"code": "template.invalid", "field": where, "message": message}
