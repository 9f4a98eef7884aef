"""`NodeSpec.random` tells the truth for every registered kind: previews and dry runs rely on it
to say a path is one possible draw and to widen the margins of what follows a draw."""

from __future__ import annotations

import pytest

from nodes import default_registry
from nodes.kit.spec import NodeSpec

SPECS = list(default_registry())
SEEDS = [f"run-{index}:n1" for index in range(40)]


@pytest.mark.parametrize("spec", SPECS, ids=[spec.key for spec in SPECS])
def test_a_kind_is_random_exactly_when_its_decision_depends_on_the_seed(spec: NodeSpec,
                                                                         make_ctx) -> None:
    decisions = {repr(spec.run(spec.example, make_ctx(seed=seed))) for seed in SEEDS}
    assert (len(decisions) > 1) == spec.random

