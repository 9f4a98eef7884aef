"""Messages: channels and provider adapters, rendering, the send policy, the last look before
a send (gate), the outbox and delivery, brakes, tracking, receipts and unsubscribes.
Imports `store`, `customers`, `audience` and `flow`; never `run`."""
