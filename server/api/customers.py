"""/api/customers: upsert one or many, import a CSV, read one, list and search.

Writes need the API key (server.auth); reads are open like the journey endpoints (the canvas's
customer picker uses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Request, get, post, put
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from runtime.messaging.opt_outs import MAX_CSV_BYTES
from server.api.params import PrincipalDep, WaylineDep
from server.body_limits import BATCH_BODY, CSV_BODY, ONE_CUSTOMER_BODY
from server.errors import Problem, errors
from server.pages import language_of
from server.schemas.customers import (
    BulkResult,
    ConsentChangeIn,
    ConsentHistoryPage,
    ConsentOut,
    CustomerBulkIn,
    CustomerDetail,
    CustomerIn,
    CustomerPage,
    ImportReport,
    OptOutReport,
    UpsertResult,
)
from server.security.masking import customer_for, customer_page_for
from server.security.permissions import may
from server.services import consent_records, customer_consent, customers, imports

ExternalIdPath = Annotated[str, PathParameter(min_length=1, max_length=255,
                                         description="The customer's external id.")]
ChannelPath = Annotated[str, PathParameter(min_length=1, max_length=32, description=(
    "A channel consent is kept for: email, sms, kakao, push (the channel registry's)."))]

MAX_IMPORT_BYTES = CSV_BODY
"""Largest CSV an import request may send (4 GiB; the file is streamed, never held whole)."""

TOO_LARGE = {413: ResponseSpec(data_container=Problem, description=(
    "The file is larger than 4 GiB: split it, or use `wayline import customers`."))}


@dataclass
class CsvUpload(Operation):
    """The import's OpenAPI operation: its body is the CSV file itself (text/csv)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, description=(
            "The CSV file, header row first. Columns: external_id (required), email, phone, "
            "timezone, locale, tags (separated by ;), consent_<channel>; any other column is a "
            "custom attribute."), content={"text/csv": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING))})


class CustomerController(Controller):
    """Customers in (upsert, bulk, CSV import) and out (one with history, pages, search)."""

    path = "/api/customers"
    tags = ["customers"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep, principal: PrincipalDep,
              search: Annotated[str | None, QueryParameter(max_length=255, description=(
                  "Only customers whose external id or name (name, full_name, last_name, "
                  "first_name attributes) contains this; and, for whoever may read contacts, "
                  "whose email or phone (typed with or without dashes, 0… or +82…) does."))
              ] = None,
              limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
              after: Annotated[int | None, QueryParameter(ge=0, le=2**62, description=(
                  "Customers after this id (`next_after` of the previous page)."))] = None,
              ) -> CustomerPage:
        """Customers in id order, for lists and the preview customer picker."""
        page = customers.list_customers(wayline, search, limit, after,
                                        by_email=may(principal, "contacts.read"))
        return customer_page_for(principal, page)

    @get("/{external_id:str}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, principal: PrincipalDep,
             external_id: ExternalIdPath) -> CustomerDetail:
        """A customer: profile, consent, tags, latest events and the journeys they are in."""
        return customer_for(principal, customers.get_customer(wayline, external_id))

    @put("/{external_id:str}", sync_to_thread=True, request_max_body_size=ONE_CUSTOMER_BODY,
         responses=errors(401, 413, 422))
    def upsert(self, wayline: WaylineDep, external_id: ExternalIdPath, data: JSONBody[CustomerIn]
               ) -> UpsertResult:
        """Create the customer or change the fields given (needs the API key)."""
        return customers.upsert_customer(wayline, external_id, data)

    @put("/{external_id:str}/consent/{channel:str}", sync_to_thread=True,
         request_max_body_size=ONE_CUSTOMER_BODY, responses=errors(401, 403, 404, 422))
    def change_consent(self, wayline: WaylineDep, principal: PrincipalDep,
                       external_id: ExternalIdPath, channel: ChannelPath,
                       data: JSONBody[ConsentChangeIn]) -> ConsentOut:
        """Grant or withdraw marketing consent on one channel, recorded in the audit trail with
        who changed it (an editor's session or an ingest key)."""
        return customer_consent.set_consent(wayline, principal.actor, external_id, channel,
                                            data.granted)

    @get("/{external_id:str}/consent", sync_to_thread=True, responses=errors(404, 422))
    def consent_history(
            self, wayline: WaylineDep, external_id: ExternalIdPath,
            before: Annotated[int | None, QueryParameter(ge=1, description=(
                "The `next` of the previous page."))] = None,
            limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20) -> ConsentHistoryPage:
        """The customer's consent per channel and purpose (granted / refused / unknown) and
        its history, newest first: every change, by what path and who."""
        return consent_records.consent_history(wayline, external_id, before, limit)

    @post("/opt-outs", status_code=200, request_max_body_size=MAX_CSV_BYTES,
          responses=errors(401, 413, 422))
    async def import_opt_outs(self, request: Request, wayline: WaylineDep,
                              principal: PrincipalDep) -> OptOutReport:
        """Load numbers that refused advertising through a 080 line, as a CSV body (phone,
        date, 080 number): they are refused advertising on every phone channel; bad rows are
        reported with their line, the others load."""
        body = await request.body()
        return await anyio.to_thread.run_sync(consent_records.import_opt_outs, wayline,
                                              principal.actor, body, language_of(request.scope))

    @post("/bulk", sync_to_thread=True, status_code=200, request_max_body_size=BATCH_BODY,
          responses=errors(401, 413, 422))
    def bulk(self, wayline: WaylineDep, data: JSONBody[CustomerBulkIn]) -> BulkResult:
        """Create or change up to 1,000 customers; each item is reported (needs the API key)."""
        return customers.upsert_bulk(wayline, data)

    @post("/import", status_code=200, operation_class=CsvUpload,
          request_max_body_size=MAX_IMPORT_BYTES, responses={**errors(401, 422), **TOO_LARGE})
    async def import_csv(
            self, request: Request, wayline: WaylineDep, principal: PrincipalDep,
            encoding: Annotated[str, QueryParameter(min_length=1, max_length=40, description=(
                "The file's text encoding: utf-8 (default) or cp949 (Excel, Korean)."))
            ] = "utf-8",
            delimiter: FromQuery[imports.Delimiter] = "comma",
            phone_region: Annotated[str | None, QueryParameter(
                min_length=2, max_length=2, description=(
                "Region of phone numbers written without +country code (default KR)."))] = None,
    ) -> ImportReport:
        """Import customers from a CSV sent as the body; bad rows are reported with their line
        (why in the person's language, else Accept-Language's), the rest load; the audit
        trail names who imported (a key, or an editor's session)."""
        how = imports.options(encoding, delimiter, phone_region)
        return await anyio.to_thread.run_sync(
            imports.import_customers, wayline, principal.actor, imports.pull(request.stream()),
            how, language_of(request.scope))
