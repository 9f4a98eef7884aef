"""entry.api: required payload fields and the sample payload used for previews."""

from __future__ import annotations

import msgspec
import pytest

from nodes.entry_api import SPEC, Config
from nodes.kit.spec import ApiTrigger, Problem


def test_the_trigger_carries_the_required_fields() -> None:
    assert SPEC.trigger(SPEC.example) == ApiTrigger(required_fields=("order_id",))


def test_a_required_field_is_listed_once() -> None:
    config = Config(required_fields=["order_id", "total", "order_id"])
    assert SPEC.check(config) == [Problem(
        "required_fields[2]", "Required payload fields: 'order_id' is listed twice; remove one")]


def test_a_sample_must_have_every_required_field() -> None:
    config = Config(required_fields=["order_id", "total"], sample_payload={"total": 1})
    assert SPEC.check(config) == [
        Problem("sample_payload", "Sample payload: add 'order_id', a required field")]


def test_no_sample_is_fine() -> None:
    assert SPEC.check(Config(required_fields=["order_id"])) == []


def test_required_fields_are_attribute_names() -> None:
    with pytest.raises(msgspec.ValidationError):
        SPEC.parse({"required_fields": ["order id"]})
