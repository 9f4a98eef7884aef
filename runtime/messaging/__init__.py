"""Messages: channel adapters, rendering, the send policy, the last look before a send (gate),
the outbox and delivery, brakes, tracking, receipts and unsubscribes.

What each channel is — its template fields, parts, label, limits, request body, fallback — is
declared in `nodes/channels/<key>.py`; this package does the IO (SMTP, HTTP) and looks the
channel up by key (`nodes.kit.channel.default_channels()`), never by comparing its name.
Imports `store`, `customers`, `audience` and `flow`; never `run`."""
