"""CSV reading and typing without a database: records, broken lines, cell values, merges."""

from __future__ import annotations

import random

import pytest

from runtime.customers.csv_import import Columns, RowError, typed_value
from runtime.customers.csv_records import MAX_RECORD_LINES, read_records
from runtime.customers.fields import ConsentChange
from runtime.customers.records import CustomerPatch, collapse, merge_patches
from runtime.errors import InvalidInputError

FILE = ('\ufeffexternal_id,email,note\r\n'
        'c1,a@example.com,"two\r\nlines"\r\n'
        'c2,"open,x\r\n'
        'c3,c@example.com,ok\r\n'
        '\r\n'
        'c4,d@example.com,"a"b\r\n'
        ',,\r\n'
        'c5,e@example.com,김민지\r\n').encode()


def shown(records) -> list[tuple[int, list[str], str | None]]:
    return [(record.line, record.values, record.problem and record.problem[:20])
            for record in records]


def test_records_are_the_same_however_the_bytes_arrive():
    whole = shown(read_records([FILE]))
    assert whole == [
        (1, ["external_id", "email", "note"], None),
        (2, ["c1", "a@example.com", "two\r\nlines"], None),
        (4, [], "a quote (\") opens a "),
        (5, ["c3", "c@example.com", "ok"], None),
        (7, [], "the line's quoting i"),
        (9, ["c5", "e@example.com", "김민지"], None),
    ]
    for size in range(1, 40):
        pieces = [FILE[start:start + size] for start in range(0, len(FILE), size)]
        assert shown(read_records(pieces)) == whole, size


def test_a_quote_open_to_the_end_spoils_only_its_own_line():
    data = b'id,v\n1,"never closed\n2,b\n3,c\n'
    assert shown(read_records([data])) == [
        (1, ["id", "v"], None), (2, [], 'a quote (") opens a '),
        (3, ["2", "b"], None), (4, ["3", "c"], None)]


def test_a_record_may_not_swallow_more_than_the_line_limit():
    rows = "\n".join(f"{index},x" for index in range(MAX_RECORD_LINES + 10))
    data = f'id,v\n0,"{rows}\n'.encode()
    records = list(read_records([data]))
    assert records[1].line == 2 and "never closes" in records[1].problem
    # Line 2 is `0,"0,x` (the quote opens there); every line after it is a row again.
    assert [record.values for record in records[2:4]] == [["1", "x"], ["2", "x"]]
    assert len(records) == 1 + MAX_RECORD_LINES + 10


def test_nul_bytes_and_wrong_widths_are_reported_on_their_line():
    records = list(read_records([b"id,v\n1,a\x00b\n2,b,c\n3\n4,d\n"]))
    assert [(record.line, bool(record.problem)) for record in records] == [
        (1, False), (2, True), (3, True), (4, True), (5, False)]
    assert "NUL" in records[1].problem and "3 values" in records[2].problem


@pytest.mark.parametrize(("cell", "value"), [
    ("TRUE", True), ("false", False), ("12", 12), ("-3", -3), ("0", 0), ("01234", "01234"),
    ("01012345678", "01012345678"), ("1234567890123456", "1234567890123456"),
    ("1500.50", 1500.5), ("1e5", "1e5"), ("1,000", "1,000"), ("2024-05-01", "2024-05-01"),
    ("2024/5/1", "2024-05-01"), ("2024.05.01.", "2024-05-01"), ("2024-02-30", "2024-02-30"),
    ("2024-05-01T09:30:00+09:00", "2024-05-01T00:30:00Z"),
    ("2024-05-01 09:30", "2024-05-01T09:30:00Z"), ("yes", "yes"), ("  Seoul ", "Seoul"),
])
def test_cells_are_typed(cell, value):
    assert typed_value(cell) == value


def test_header_names_fields_consent_and_attributes():
    columns = Columns(["External ID", "E-mail", "Phone Number", "consent_SMS", "First Name",
                       "tags"])
    assert columns.targets == ["external_id", "email", "phone", "consent.sms",
                               "attributes.First_Name", "tags"]
    patch = columns.patch(["  c1 ", "", "+82 10 1234 5678", "N", "민지", "a; b ;"], None)
    assert (patch.external_id, patch.fields, patch.attributes, patch.tags_add) == (
        "c1", {"phone": "+821012345678"}, {"First_Name": "민지"}, {"a", "b"})
    assert patch.consent == {"sms": ConsentChange(granted=False)}
    with pytest.raises(RowError) as failed:
        columns.patch(["", "x", "1", "maybe", "", ""], None)
    assert failed.value.fields == ["external_id", "email", "phone", "consent_sms"]
    with pytest.raises(InvalidInputError):
        Columns(["email", "tags"])


def test_later_patches_win_field_by_field():
    first = CustomerPatch("c1", {"email": "a@example.com", "phone": "+821012345678"},
                          {"plan": "free", "score": 1}, {"sms": ConsentChange(True)},
                          {"a", "b"}, {"z"})
    later = CustomerPatch("c1", {"email": None}, {"plan": "pro", "score": None},
                          {"email": ConsentChange(False)}, {"z"}, {"a"})
    merged = merge_patches(first, later)
    assert merged.fields == {"email": None, "phone": "+821012345678"}
    assert merged.attributes == {"plan": "pro", "score": None}
    assert set(merged.consent) == {"sms", "email"}
    assert (merged.tags_add, merged.tags_remove) == ({"b", "z"}, {"a"})
    assert collapse([first, CustomerPatch("c2"), later])["c1"] == merged


def test_the_email_short_cut_agrees_with_email_validator():
    from email_validator import EmailNotValidError, validate_email

    from runtime.customers.fields import FieldError, normalise_email

    rng = random.Random(7)
    parts = ["a", "Z9", "x.y", "_", "%", "+tag", "-", ".", "..", "é", "@", " ", "\"q\"", "o'k",
             "A" * 64, "b" * 65]
    domains = ["example.com", "EXAMPLE.co.kr", "naver.com", "localhost", "a.b", "x.123",
               "-bad.com", "bad-.com", "a..com", "xn--bcher-kva.de", "invalid", "test",
               "ex_ample.com",
               "d" * 63 + ".com", "d" * 64 + ".com", ".com", "com", "mail.local", "1.2.3.4",
               "c" * 200 + ".com"]
    for _ in range(3_000):
        local = "".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
        address = f"{local}@{rng.choice(domains)}".strip()  # the check strips spaces first
        try:
            expected = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            expected = None
        try:
            got = normalise_email(address)
        except FieldError:
            got = None
        assert got == expected, address
