"""What runs journeys, in wings whose imports point one way (a test holds them to it):

    store ← customers ← audience ← flow ← messaging ← run

- the base modules here (settings, errors, logs, clock, processes, redis_server, outbound,
  smtp_config) import no wing;
- `store/`: the SQL models, the database, bulk SQL, audit rows, published versions compiled;
- `customers/`: profiles, their fields and consent, upserts, CSV imports, input bounds;
- `audience/`: the rule language's SQL back end, typed values, indexed attributes;
- `flow/`: the pure engine, enrolment and event ingest (what moves a customer into and along
  a journey, knowing nothing of messages);
- `messaging/`: channels and providers, rendering, the send policy and the last look before a
  send, the outbox and delivery, brakes, tracking and receipts;
- `run/`: what workers do: batches, jobs, the sweeper, lifecycle (publish, pause, archive),
  guardrails, the simulation behind previews, metrics, the worker class.

Imports `builder` (document, validation) and `nodes`; never `server`.
"""
