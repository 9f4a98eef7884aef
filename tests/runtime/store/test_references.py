"""The reference-kind contract, for every registered kind: a new kind is tested for free."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from nodes import default_registry
from nodes.kit.spec import Ref
from runtime.store.references import ReferenceKind, missing, options, reference_kinds

KINDS = list(reference_kinds().values())
each_kind = pytest.mark.parametrize("kind", KINDS, ids=[kind.key for kind in KINDS])


def test_every_kind_a_node_names_is_registered() -> None:
    named = {ref.kind for spec in default_registry() for ref in spec.refs(spec.example)}
    assert named <= set(reference_kinds())
    assert {"template", "segment", "coupon_pool"} <= set(reference_kinds())


@each_kind
def test_the_kind_says_what_it_is(kind: ReferenceKind) -> None:
    assert kind.key.replace("_", "").isalpha() and kind.key.islower()
    assert kind.label and kind.label == kind.label.lower()  # it goes mid-sentence
    columns = kind.model.__table__.c
    assert "id" in columns and "name" in columns


@each_kind
def test_an_unknown_id_is_missing_and_the_picker_offers_ids_and_names(kind: ReferenceKind,
                                                                     engine) -> None:
    with Session(engine) as session:
        assert missing(session, [Ref(kind.key, 2**40, "x")]) == {(kind.key, 2**40)}
        assert all({"id", "name"} <= set(option) for option in options(session, kind.key))


def test_a_reference_of_an_unknown_kind_is_missing(engine) -> None:
    with Session(engine) as session:
        assert missing(session, [Ref("nothing_like_it", 1, "x")]) == {("nothing_like_it", 1)}
