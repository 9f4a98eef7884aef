"""Send-time policy: may this customer receive this message now? Each "no" has a reason.

Consent is recorded per channel on the customer, either as a boolean or per purpose
(`{"email": {"marketing": true}}`). Marketing needs an explicit yes (opt-in, as Korean law
requires); transactional messages go unless the customer refused them explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def consent_problem(consent: Mapping[str, Any], channel: str, purpose: str) -> str | None:
    """Why consent forbids this send, or None when it is allowed."""
    given = consent.get(channel)
    if isinstance(given, Mapping):
        given = given.get(purpose)
    if purpose == "transactional":
        return "the customer refused transactional " + channel if given is False else None
    if given is True:
        return None
    return f"no marketing consent for {channel}"
