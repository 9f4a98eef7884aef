"""What the UI needs from the application, declared here and provided by the server.

The server implements `UiServices` over its own application services (the same functions the
REST API calls) and hands it to the UI when it mounts it. Results are plain JSON-like data (what
the REST API would return); failures are `UiError`s with the marketer-facing message.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from nodes import Registry

Json = dict[str, Any]
ErrorKind = Literal["not_found", "wrong_state", "invalid", "signed_out", "forbidden",
                    "unavailable"]


class UiError(Exception):
    """A service refused: unknown object, wrong state (e.g. a stale draft), bad input, a
    session that ended (`signed_out`: the page sends the browser to sign in), or a role that
    can't (`forbidden`: the page hid the control, and the server refuses it anyway)."""

    def __init__(self, kind: ErrorKind, message: str, issues: list[Json] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.issues = issues or []


class UiServices(Protocol):
    """The application services the journeys page and the editor call (all blocking)."""

    registry: Registry
    timezone: str

    def may(self, action: str) -> bool:
        """True when the signed-in person's role allows `action` ("journeys.publish", ...);
        no I/O: pages ask it to hide what the role can't do."""

    def whoami(self) -> Json:
        """The signed-in person: {name, email, role, has_password, language}."""

    def session_alive(self) -> bool:
        """True while the session lasts; signed_out once it ended."""

    def set_language(self, language: str | None) -> Json:
        """Save the language the signed-in person reads ("ko", "en"; None: as the browser
        asks); the answer is whoami's."""

    def list_journeys(self) -> list[Json]:
        """Journey summaries, most recently edited first."""

    def create_journey(self, name: str) -> Json:
        """A new blank draft; its detail {journey, document, issues}."""

    def get_journey(self, journey_id: int) -> Json:
        """One journey's detail {journey, document, issues}."""

    def save_draft(self, journey_id: int, document: Json, revision: int) -> Json:
        """Save the draft made on `revision`; wrong_state when someone saved since."""

    def draft_revision(self, journey_id: int) -> int:
        """The draft's revision now: a cheap way to notice a save made elsewhere."""

    def rename_journey(self, journey_id: int, name: str) -> Json:
        """Rename; the new detail."""

    def publish_journey(self, journey_id: int, moves: Json | None = None) -> Json:
        """Publish the draft: {journey, version, entered, moving}. `moves` is the map for the
        customers in flight ({step: {action, to, restart_wait}}; None: they all stay)."""

    def content_changes(self, journey_id: int) -> Json:
        """The live version's templates saved since it was published:
        {journey_id, version, changes: [{id, name, channel, pinned_version, current_version}]}."""

    def update_content_in_flight(self, journey_id: int) -> Json:
        """Send the live version's customers in flight the templates as saved now:
        {journey_id, version, updated}."""

    def pause_journey(self, journey_id: int, reason: str = "") -> Json:
        """Pause (saying why, for the team): the journey summary."""

    def pause_step(self, journey_id: int, node_id: str) -> Json:
        """Pause one step of the live journey: the journey summary."""

    def resume_step(self, journey_id: int, node_id: str) -> Json:
        """Let a paused step run again: the journey summary."""

    def send_test(self, template_id: int, external_id: str | None, to: str) -> Json:
        """Send the template as the customer (None: a sample) would get it to "me" or "team":
        {channel, results: [{to, sent, problem}]}."""

    def get_consent_journeys(self) -> Json:
        """The built-in consent journeys: {sender_name, withdraw, journeys: [{kind, on,
        journey_id, status}]}."""

    def switch_consent_journey(self, kind: str, on: bool, sender_name: str,
                               withdraw: str) -> Json:
        """Switch a built-in consent journey on (made and published the first time, else
        resumed) or off (paused); the built-ins as get_consent_journeys says them."""

    def get_test_recipients(self) -> Json:
        """Who gets test sends: {emails, phones}."""

    def save_test_recipients(self, value: Json) -> Json:
        """Replace the test recipients: what was saved."""

    def get_wording(self) -> Json:
        """The law's label and line: {ad_label, opt_out_line} (null: the environment's, given
        as {environment: {ad_label, opt_out_line}})."""

    def save_wording(self, value: Json) -> Json:
        """Replace the wording: as get_wording."""

    def get_guardrails(self) -> Json:
        """The workspace's guardrails: {enabled, defaults, alert_email, alert_webhook}."""

    def save_guardrails(self, value: Json) -> Json:
        """Replace the guardrails: what was saved."""

    def sending_state(self) -> Json:
        """Whether all sending is stopped: {stopped, by, at, reason}."""

    def stop_sending(self, reason: str) -> Json:
        """Stop all sending in the workspace: the new state."""

    def resume_sending(self) -> Json:
        """Let messages go again: the new state."""

    def resume_journey(self, journey_id: int) -> Json:
        """Resume: the journey summary."""

    def archive_journey(self, journey_id: int) -> Json:
        """Archive: {journey, ended_runs}."""

    def clone_journey(self, journey_id: int, name: str | None = None,
                      copy_of: str = "Copy of {name}") -> Json:
        """A draft copy: its detail; named `name`, else `copy_of` (in the page's language:
        `_(reason_words.COPY_OF)`) with the source's {name}."""

    def export_journey(self, journey_id: int) -> Json:
        """The journey as an export file (JSON-like)."""

    def import_journey(self, data: Json) -> Json:
        """A new draft from an export file: its detail."""

    def list_segments(self) -> list[Json]:
        """Saved segments [{id, name}] for pickers."""

    def list_references(self, kind: str) -> list[Json]:
        """What a picker of stored objects of reference kind `kind` ("coupon_pool", ...)
        offers: [{id, name, ...}] (a coupon pool adds {given, left})."""

    def discover_data(self) -> Json:
        """The attributes customers have and the events that arrived, for pickers:
        {customers, attributes: [{name, type, customers, samples, builtin}], sampled_customers,
        events: [{name, total, recent, last_seen, properties}], sampled_events}."""

    def data_warnings(self, document: Json) -> list[Json]:
        """Warnings (issues) for the attributes no customer has and the events that never
        arrived among those a journey document names."""

    def list_coupon_pools(self) -> list[Json]:
        """Coupon pools by name: [{id, name, description, given, left, journeys}]."""

    def get_coupon_pool(self, pool_id: int) -> Json:
        """One pool: {pool, used_by} (the journeys that give its codes, and in which steps)."""

    def create_coupon_pool(self, name: str, description: str) -> Json:
        """A new, empty pool (invalid when the name is taken): as get_coupon_pool."""

    def delete_coupon_pool(self, pool_id: int) -> None:
        """Delete a pool and its codes; wrong_state naming the journeys while one uses it."""

    def add_coupon_codes(self, pool_id: int, text: str) -> Json:
        """Add pasted codes (one a line, or a CSV's first column): {added, already_there,
        problems: [{line, message}], pool}."""

    def generate_coupon_codes(self, pool_id: int, count: int, prefix: str) -> Json:
        """Add `count` random codes starting with `prefix`: as add_coupon_codes."""

    def list_templates(self) -> list[Json]:
        """Message templates [{id, name, channel, subject, version, journeys}] for pickers and
        the messages page (`journeys`: how many journeys send it)."""

    def get_template(self, template_id: int) -> Json:
        """One template: its parts, options, version, the journeys that send it, warnings."""

    def save_template(self, template_id: int | None, template: Json) -> Json:
        """Create (no id) or change a template {channel, name, subject, source, options}: its
        detail; invalid with an issue per problem (a missing part, a Liquid error, a name)."""

    def delete_template(self, template_id: int) -> None:
        """Delete a template; wrong_state naming the journeys when one still sends it."""

    def list_assets(self) -> list[Json]:
        """Uploaded images, newest first [{id, name, content_type, size, width, height}]; the
        bytes are at /api/assets/{id}."""

    def upload_asset(self, name: str, data: str) -> Json:
        """Store an image (its bytes as base64): its listing; invalid when it is not a JPEG or
        PNG, or too large (judged by its bytes, not its name)."""

    def preview_template(self, template: Json, external_id: str | None) -> Json:
        """An unsaved template rendered for a customer (a sample one without an id):
        {content, error, warnings}; invalid when it would not save."""

    def journey_stats(self, journey_id: int, number: int | None = None) -> Json:
        """Live numbers of a published journey (every version, or version `number`): totals,
        and per node and per output."""

    def journey_results(self, journey_id: int) -> Json:
        """A/B results of a published journey: per random split, each path tested."""

    def journey_dashboard(self, journey_id: int, first: str | None, last: str | None,
                          version: int | None, language: str) -> Json:
        """A journey's dashboard over local days `first`..`last` (ISO dates; None: the
        default range), of one published version or all: totals, the period before, and each
        chart's dataset, labelled in `language`."""

    def fatigue_report(self, week: str | None, weeks: int) -> Json:
        """Message fatigue in the week of `week` (YYYY-MM-DD; None: the last complete week):
        distribution, caps' intent, who is over it, trend of `weeks` weeks, unsubscribes."""

    def fatigue_over(self, week: str, after: int | None) -> Json:
        """The next page of customers over the caps' weekly intent in the week, after `after`."""

    def list_customers(self, search: str) -> list[Json]:
        """Customers whose external id, name, email or phone contains `search` (all when
        empty; contacts only for those who may read them)."""

    def customer_timeline(self, external_id: str, before: str | None) -> Json:
        """A page of one customer's timeline, newest first, before the time `before`."""

    def customer_profile(self, external_id: str) -> Json:
        """One customer: {customer (profile, attributes, consent, tags, last_seen_at), events,
        journeys, channels (consent is kept for: [{key, label}]), can_edit}."""

    def set_customer_consent(self, external_id: str, channel: str, granted: bool) -> Json:
        """Grant or withdraw marketing consent on one channel (audited); the new consent."""

    def set_consent_purpose(self, external_id: str, channel: str, purpose: str,
                            granted: bool) -> Json:
        """Grant or refuse one purpose (advertising, information, night) on one channel
        (audited, and in the consent history); the channel's consent."""

    def customer_consent_history(self, external_id: str, before: int | None) -> Json:
        """The customer's consent matrix and a page of its history, newest first: {matrix:
        [{channel, purpose, state}], items: [{id, channel, purpose, before, after, at, source,
        actor, note}], total, next}; `before` is the previous page's `next`."""

    def coverage_summary(self, days: int) -> Json:
        """Customers no journey and no message reached in the last `days` days: {days,
        customers, untouched, share, previous_day, previous_untouched, rolled_at, trend,
        breakdown_day, breakdown: [{attribute, values: [{value, untouched}]}], segment,
        attributes (the workspace's breakdown attributes)}."""

    def coverage_customers(self, days: int, after: int | None) -> Json:
        """A page of those customers by id: {items: [{id, external_id, email, phone,
        attributes, last_touched_at}], next_after} (contacts masked as the list shows them)."""

    def save_coverage_segment(self, days: int, name: str, description: str) -> Json:
        """Save them as a segment kept up to date (audited): {id, name, tag, created}."""

    def set_coverage_attributes(self, attributes: list[str]) -> Json:
        """Choose the attributes the breakdown counts by (at most 5; audited): the list."""

    def get_send_policy(self) -> Json:
        """The workspace's send rules: frequency caps and the night-time window."""

    def list_indexed_attributes(self) -> list[Json]:
        """Attributes kept in typed, indexed columns: [{name, kind, column, customers, ...}]."""

    def index_attribute(self, name: str, kind: str) -> Json:
        """Index an attribute as "text" or "number" (takes seconds per million customers)."""

    def drop_indexed_attribute(self, name: str) -> None:
        """Stop indexing an attribute; its values stay in each customer's attributes."""

    def save_send_policy(self, policy: Json) -> Json:
        """Replace the send rules; invalid when a rule cannot work (issues say which)."""

    def list_starters(self) -> list[Json]:
        """Ready-made journeys [{key, name, description, nodes, channels}] to start from."""

    def create_from_starter(self, key: str, name: str | None) -> Json:
        """A new draft from a starter (its templates created if missing): its detail."""

    def journey_audience(self, journey_id: int, limit: int, after: int | None) -> Json:
        """Who enters the draft: {count, customers, next_after, entry, notes}."""

    def explain_customer(self, journey_id: int, external_id: str) -> Json:
        """Whether one customer would enter the draft: {matches, summary, clauses, failed}."""

    def preview_path(self, journey_id: int, external_id: str, events: list[Json]) -> Json:
        """One customer's simulated path through the draft (events: what they are imagined to
        do after entering, [{name, after: {amount, unit}}]): {entered, steps, ...}."""

    def dry_run(self, journey_id: int, horizon_days: int, sample_limit: int) -> Json:
        """The draft's entry audience (a sample of at most `sample_limit` of it) simulated
        `horizon_days` ahead: per node and output, scaled to the whole audience."""

    def list_versions(self, journey_id: int) -> list[Json]:
        """Published versions, newest first: [{number, published_at, published_by, is_live,
        customers, status (live, holding, retired), summary}]."""

    def get_version(self, journey_id: int, number: int) -> Json:
        """One published version: {version, document}; not_found for an unknown number."""

    def compare_versions(self, journey_id: int, old: str, new: str) -> Json:
        """What changed from side `old` to side `new` (a version's number, "live" or
        "draft"): {from, to, diff}, each side with its document."""

    def restore_version(self, journey_id: int, number: int) -> Json:
        """Make a published version the draft: the journey's new detail."""

    def get_workspace_settings(self) -> Json:
        """Workspace settings: {approvals_required}."""

    def save_workspace_settings(self, settings: Json) -> Json:
        """Change the workspace settings (admins); the saved settings."""

    def request_publish(self, journey_id: int, comment: str) -> Json:
        """Ask a publisher to publish the draft as it is now: the pending request."""

    def withdraw_request(self, request_id: int) -> Json:
        """Take one's own pending request back."""

    def list_requests(self, journey_id: int | None) -> list[Json]:
        """Pending requests to publish (of one journey, or all): [{id, journey_id,
        journey_name, draft_revision, requested_by, requested_at, comment, changes,
        audience, current}]."""

    def get_request(self, request_id: int) -> Json:
        """One request to publish, with its changes (and, for roles that may preview, how
        many customers the requested draft would take in)."""

    def approve_request(self, request_id: int, comment: str, moves: Json | None = None) -> Json:
        """Approve (it publishes the requested revision); someone else's request only. `moves`
        maps the customers in flight, as `publish_journey` takes it."""

    def reject_request(self, request_id: int, comment: str) -> Json:
        """Turn a request down; the comment (why) is required."""

    def list_users(self) -> list[Json]:
        """The team: [{id, email, name, role, active, has_password, last_sign_in_at}]."""

    def add_user(self, user: Json) -> Json:
        """A new person {email, name, role}: {user, link, expires_at} (a one-time link)."""

    def update_user(self, user_id: int, change: Json) -> Json:
        """Change someone's {name?, role?, active?}: the person as saved."""

    def sign_in_link(self, user_id: int) -> Json:
        """A new one-time sign-in link for someone: {user, link, expires_at}."""

    def list_keys(self) -> list[Json]:
        """API keys [{id, name, prefix, scopes, created_by, created_at, last_used_at,
        revoked_at}], never the keys themselves."""

    def create_key(self, key: Json) -> Json:
        """A new key {name, scopes, rate_limit?}: {key, detail}; the key is shown once."""

    def revoke_key(self, key_id: int) -> Json:
        """Revoke a key: it stops working at once."""

    def stage_board(self, days: int) -> Json:
        """The lifecycle stage board over the last `days` days (server.schemas.stages)."""

    def get_stage_definitions(self) -> Json:
        """The lifecycle stages in funnel order: {stages: [{key, name, rule}]}."""

    def save_stage_definitions(self, definitions: Json) -> Json:
        """Replace the lifecycle stages; invalid (with each problem as an issue) when wrong."""

    def refresh_stages(self, days: int) -> Json:
        """Place every customer in their stage now, then the board."""

    def list_senders(self) -> list[Json]:
        """The sender numbers and Kakao sender profiles (server.schemas.senders.SenderOut),
        the environment's (WAYLINE_SMS_SENDER …) among them."""

    def save_sender(self, sender: Json, sender_id: int | None) -> Json:
        """Add (no id) or change a sender; invalid, with each problem by field, when wrong."""

    def delete_sender(self, sender_id: int) -> None:
        """Remove a sender."""

    def get_template_review(self, template_id: int) -> Json:
        """Where an AlimTalk template stands in Kakao's review (server.schemas.senders)."""

    def submit_template_review(self, template_id: int) -> Json:
        """Submit the template to Kakao's review through the kakao provider."""

    def refresh_template_review(self, template_id: int) -> Json:
        """Ask the provider now where the template's review stands."""

    def set_template_review(self, template_id: int, review: Json) -> Json:
        """Set the review status by hand {status, reason, code}, as the provider's console
        shows it."""

    def list_audit(self, filters: Json, before: int | None) -> Json:
        """A page of the audit trail, newest first: {items, next_before}."""
