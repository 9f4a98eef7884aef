"""CSV imports over the real app and databases, and `wayline import customers` as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from runtime.store.models import Customer, CustomerTag
from runtime.store.team_models import AuditEvent

ROWS = 5_000  # more than two import chunks, so repeats and failures cross transactions
HEADER = "External ID,email,phone,tags,consent_sms,plan,score,note"


@dataclass
class PlannedFile:
    """A CSV and what importing it must do: the ids that load, each failure, the last values."""

    lines: list[str] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)
    failures: dict[int, tuple[list[str], str]] = field(default_factory=dict)  # line → fields,
    # and a phrase the reason must have
    plans: dict[str, str] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=dict)
    merged: int = 0

    def add(self, text: str) -> int:
        """Append a record (it may span lines); the line it starts on."""
        start = sum(line.count("\n") + 1 for line in self.lines) + 1
        self.lines.append(text)
        return start

    @property
    def data(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode()


def planned_file(rows: int = ROWS) -> PlannedFile:
    """Customers with malformed emails, bad phones, repeated ids (merging field by field),
    missing ids, a broken quote, a wrong column count and a legit multi-line value."""
    plan = PlannedFile()
    plan.add(HEADER)
    for index in range(rows):
        external_id, email, phone = f"cust-{index}", f"user{index}@example.com", \
            f"010-{index % 10_000:04d}-{index % 7_000:04d}"
        plan_name, score = ("pro", str(index)) if index % 2 else ("free", "")
        note = "서울 고객" if index % 5 else '"line one\nline two"'
        if index % 97 == 13:
            email = f"user{index}@@example"
        if index % 89 == 11:
            phone = "12-34"
        if index and index % 101 == 0:
            external_id, plan_name, score = f"cust-{index - 2_500 if index > 2_500 else 1}", \
                "gold", ""
        if index == 3_333:
            external_id = ""
        line = plan.add(f"{external_id},{email},{phone},a;b,Y,{plan_name},{score},{note}")
        if index == 4_000:  # an unbalanced quote: the rows after it must still load
            plan.lines[-1] = f'{external_id},"{email},{phone},a;b,Y,{plan_name},{score},x'
            plan.failures[line] = ([], "a quote (\") opens a value that never closes")
            continue
        if index in (12, 4_001):  # before and after the broken quote
            plan.lines[-1] += ",extra"
            plan.failures[line] = ([], "9 values but the header has 8 columns")
            continue
        problems = [(name, words) for bad, name, words in (
            (not external_id, "external_id", "external_id is missing"),
            (email.endswith("@@example"), "email", f"email '{email}' is not a valid address"),
            (phone == "12-34", "phone", "phone '12-34' is not a valid phone number"))
            if bad]
        if problems:
            plan.failures[line] = ([name for name, _ in problems],
                                   "; ".join(words for _, words in problems))
            continue
        if external_id in plan.loaded:
            plan.merged += 1
        plan.loaded.add(external_id)
        plan.plans[external_id] = plan_name
        if score:
            plan.scores[external_id] = int(score)
    return plan


def chunked(data: bytes, size: int = 7_919):
    """The body in odd-sized pieces, so lines and multi-byte characters split across chunks."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


def imported(client, headers, body, **params):
    return client.post("/api/customers/import", content=body, params=params,
                       headers={**headers, "Content-Type": "text/csv"})


def test_import_loads_the_good_rows_and_reports_each_bad_one(client, ingest_headers,
                                                              app_context):
    plan = planned_file()
    answer = imported(client, ingest_headers, chunked(plan.data))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["rows"] == ROWS
    assert report["created"] == len(plan.loaded) and report["merged"] == plan.merged
    assert report["failed"] == len(plan.failures)
    assert report["created"] + report["merged"] + report["failed"] == ROWS
    assert report["columns"]["External ID"] == "external_id"
    assert report["columns"]["plan"] == "attributes.plan"
    assert report["columns"]["consent_sms"] == "consent.sms"

    got = {failure["line"]: failure for failure in report["failures"]}
    assert sorted(got) == sorted(plan.failures)
    for line, (fields, words) in plan.failures.items():
        assert got[line]["fields"] == fields, (line, got[line])
        for part in words.split("; "):
            assert part in got[line]["reason"], (line, got[line])
    bad_email = next(failure for failure in report["failures"] if "@@" in failure["reason"])
    assert bad_email["external_id"].startswith("cust-")
    with app_context.reading() as session:
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "customers.imported")).one()
    assert audited.actor_kind == "key" and audited.after["rows"] == ROWS
    assert audited.after["failed"] == len(plan.failures)
    assert "consent.sms" in audited.after["consent"]

    with app_context.reading() as session:
        rows = session.execute(select(Customer.external_id, Customer.email, Customer.phone,
                                      Customer.attributes, Customer.consent)).all()
        tags = session.execute(select(CustomerTag.tag)).scalars().all()
    assert {row.external_id for row in rows} == plan.loaded
    for row in rows:
        assert row.attributes.get("plan") == plan.plans[row.external_id]
        assert row.attributes.get("score") == plan.scores.get(row.external_id)
        assert row.phone.startswith("+8210") and row.consent["sms"]["marketing"] is True
    note = next(row.attributes["note"] for row in rows if row.external_id == "cust-5")
    assert note == "line one\nline two"
    assert next(row.attributes["note"] for row in rows if row.external_id == "cust-7") == \
        "서울 고객"
    assert sorted(set(tags)) == ["a", "b"] and len(tags) == 2 * len(plan.loaded)

    again = imported(client, ingest_headers, plan.data).json()
    assert (again["created"], again["failed"]) == (0, len(plan.failures))
    # A repeat in a later chunk sets back what its first row changed: those count as updated.
    assert 0 < again["updated"] <= plan.merged
    assert again["updated"] + again["unchanged"] == len(plan.loaded)
    with app_context.reading() as session:
        after = dict(session.execute(select(Customer.external_id, Customer.attributes)).all())
    assert after == {row.external_id: row.attributes for row in rows}


def test_why_a_row_failed_is_said_in_the_callers_language(client, ingest_headers):
    body = (b"external_id,email,phone,consent_sms\n"
            b"k1,a@@b,12-34,maybe\n"
            b"k2,b@example.com\n"
            b"k3,c@example.com,010-1234-5678,yes\n")
    korean = {**ingest_headers, "Accept-Language": "ko-KR,ko;q=0.9"}
    said = {failure["line"]: failure["reason"]
            for failure in imported(client, korean, body).json()["failures"]}
    english = {failure["line"]: failure["reason"]
               for failure in imported(client, ingest_headers, body).json()["failures"]}
    assert sorted(said) == sorted(english) == [2, 3]
    # Each of a row's problems is said on its own, the values it quotes kept as written.
    assert said[2].count("; ") == 2
    assert "이메일 'a@@b'은(는) 올바른 주소가 아닙니다" in said[2]
    assert "'12-34'은(는) KR 지역의 올바른 번호가 아닙니다" in said[2]
    assert "예/아니오 값이 아닙니다" in said[2]
    assert said[3] == "이 줄에는 값이 2개인데 머리글에는 열이 4개 있습니다"
    assert "is not a valid address" in english[2]


def test_values_are_typed_and_empty_cells_keep_what_is_there(client, ingest_headers):
    client.put("/api/customers/t1", headers=ingest_headers,
               json={"email": "keep@example.com", "attributes": {"city": "Busan"}})
    csv = ("external_id,Email,city,vip,visits,spent,zip,birthday,seen,Time Zone,locale\n"
           "t1,,Seoul,TRUE,12,1500.50,01234,1990.05.01,2024-05-01T09:30:00+09:00,"
           "Asia/Seoul,ko_KR\n")
    report = imported(client, ingest_headers, csv.encode()).json()
    assert report["updated"] == 1, report
    customer = client.get("/api/customers/t1").json()["customer"]
    assert customer["email"] == "keep@example.com"
    assert customer["attributes"] == {"city": "Seoul", "vip": True, "visits": 12,
                                      "spent": 1500.5, "zip": "01234",
                                      "birthday": "1990-05-01", "seen": "2024-05-01T00:30:00Z"}
    assert (customer["timezone"], customer["locale"]) == ("Asia/Seoul", "ko-KR")


def test_night_time_consent_columns(client, ingest_headers):
    data = ("external_id,consent_sms,consent_sms_night,consent_kakao_night\n"
            "n1,Y,동의,\nn2,Y,N,Y\nn3,Y,maybe,\n").encode()
    report = imported(client, ingest_headers, data).json()
    assert report["columns"]["consent_sms_night"] == "consent_night.sms"
    assert report["created"] == 2 and report["failures"][0]["line"] == 4
    assert "consent_sms_night 'maybe' is not yes or no" in report["failures"][0]["reason"]
    first = client.get("/api/customers/n1").json()["customer"]["consent"]
    assert (first["sms"]["granted"], first["sms"]["night"]) == (True, True)
    second = client.get("/api/customers/n2").json()["customer"]["consent"]
    assert (second["sms"]["granted"], second["sms"]["night"]) == (True, False)
    assert second["kakao"]["night"] is True and second["kakao"]["granted"] is None


def test_excel_korean_files_and_other_separators(client, ingest_headers):
    cp949 = "external_id;name;consent_email\nk1;김민지;동의\nk2;이서준;미동의\n".encode("cp949")
    report = imported(client, ingest_headers, cp949, encoding="cp949",
                      delimiter="semicolon").json()
    assert report["created"] == 2 and report["failed"] == 0
    first = client.get("/api/customers/k1").json()["customer"]
    assert first["attributes"] == {"name": "김민지"} and first["consent"]["email"]["granted"]
    assert client.get("/api/customers/k2").json()["customer"]["consent"]["email"][
        "granted"] is False
    as_utf8 = imported(client, ingest_headers, "external_id,name\nk3,김\n".encode("cp949"))
    failure = as_utf8.json()["failures"][0]
    assert failure["line"] == 2 and "cp949" in failure["reason"]


def test_files_that_cannot_be_imported_are_422_and_load_nothing(client, ingest_headers,
                                                                 app_context):
    header = imported(client, ingest_headers,
                      b"email,first name!,consent_fax,e-mail\nx@example.com,a,Y,y@example.com\n")
    assert header.status_code == 422
    fields = [issue["field"] for issue in header.json()["issues"]]
    assert fields == ["column 2", "column 3", "column 4", "external_id"]
    assert imported(client, ingest_headers, b"").status_code == 422
    assert imported(client, ingest_headers, b"external_id\nx\n",
                    delimiter="colon").status_code == 422
    encoding = imported(client, ingest_headers, b"external_id\nx\n", encoding="utf-16")
    assert encoding.status_code == 422 and encoding.json()["issues"][0]["field"] == "encoding"
    region = imported(client, ingest_headers, b"external_id\nx\n", phone_region="ZZ")
    assert region.status_code == 422
    with app_context.reading() as session:
        assert session.scalars(select(Customer)).all() == []


def test_import_needs_the_api_key(anonymous_client, app_context):
    answer = anonymous_client.post("/api/customers/import", content=b"external_id\nx\n")
    assert answer.status_code == 401 and answer.json()["status_code"] == 401
    with app_context.reading() as session:
        assert session.scalars(select(Customer)).all() == []


def test_failures_listed_are_capped(client, ingest_headers):
    lines = ["external_id,email"] + [f"x{index},bad" for index in range(1_005)]
    report = imported(client, ingest_headers, ("\n".join(lines) + "\n").encode()).json()
    assert report["failed"] == 1_005 and len(report["failures"]) == 1_000
    assert report["failures_not_listed"] == 5
    assert report["failures"][-1]["line"] == 1_001


def test_the_cli_imports_with_progress_and_lists_failures(tmp_path, database_url, app_context):
    plan = planned_file(3_000)
    path = tmp_path / "customers.csv"
    path.write_bytes(plan.data)
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("WAYLINE_")}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "import", "customers", str(path), "--every", "1000"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
             "WAYLINE_DATABASE_URL": database_url, "WAYLINE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1, done.stderr  # some rows failed
    progress = [line.split()[0] for line in done.stdout.splitlines()
                if line.startswith("  ") and "rows/s" in line]
    # Written 2,000 good rows at a time (plus the failed ones among them), shown every 1,000.
    assert len(progress) == 2 and progress[-1] == "3,000"
    assert 2_000 < int(progress[0].replace(",", "")) < 2_100
    for line in plan.failures:
        assert f"line {line}" in done.stdout
    assert f"created {len(plan.loaded):,}" in done.stdout.splitlines()[-1]
    with app_context.reading() as session:
        assert set(session.scalars(select(Customer.external_id))) == plan.loaded
    missing = subprocess.run(
        [sys.executable, "-m", "server.cli", "import", "customers", str(tmp_path / "nope.csv")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
             "WAYLINE_DATABASE_URL": database_url, "WAYLINE_DATA_DIR": str(tmp_path)})
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_the_schema_says_the_import_takes_csv_and_every_operation_needs_a_credential(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    operation = paths["/api/customers/import"]["post"]
    assert set(operation["requestBody"]["content"]) == {"text/csv"}
    assert {"encoding", "delimiter", "phone_region"} <= {
        parameter["name"] for parameter in operation["parameters"]}
    ingest = [("/api/customers/import", "post"), ("/api/customers/bulk", "post"),
              ("/api/customers/{external_id}", "put"), ("/api/events", "post"),
              ("/api/events/batch", "post"), ("/api/journeys/{journey_id}/entries", "post")]
    for path, method in ingest:
        assert {"401", "403", "429"} <= set(paths[path][method]["responses"]), (path, method)
    assert "401" in paths["/api/customers/{external_id}"]["get"]["responses"]
    assert "401" not in paths["/health"]["get"]["responses"]  # probes need nothing
