"""Rule and filter problems in the words a marketer reads: `Problem`s for a kind's `check()`.

`rules.rule_problems` speaks about the rule itself; these helpers add the title of the field the
rule sits in, so the validator can show "Condition: Rule: 'age' gt needs a value".
"""

from __future__ import annotations

from collections.abc import Sequence

from nodes.kit.rules import Attr, Rule, attr_problem, rule_problems
from nodes.kit.spec import Problem


def rule_check(rule: Rule | None, path: str, title: str) -> list[Problem]:
    """Problems in an audience rule held by the field at `path`; none for an empty field."""
    if rule is None:
        return []
    return [Problem(where, f"{title}: {message}") for where, message in rule_problems(rule, path)]


def filters_check(filters: Sequence[Attr], path: str, title: str) -> list[Problem]:
    """Problems in event-property filters (they name properties, so no built-in fields)."""
    problems = []
    for index, leaf in enumerate(filters):
        message = attr_problem(leaf, builtin_fields=False)
        if message:
            problems.append(Problem(f"{path}[{index}]", f"{title}: {message}"))
    return problems
