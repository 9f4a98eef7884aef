"""Node kinds: one module per kind directly in this package, shared parts in `nodes.kit`.

Every module here (not a sub-package, not starting with "_") is a node kind and must define
`SPEC`, a `NodeSpec` (and `EARLIER`, the versions it replaced, once it has some: published
journeys keep the version they were published with). A kind that asks the runtime for something
new declares its effect type here too; its executor lives in `runtime.flow.effects`.
`default_registry()` discovers them; nothing else switches on a kind.
Channels are the same shape in `nodes.channels`: one module per channel defining `CHANNEL`, a
`nodes.kit.channel.ChannelSpec`, discovered by `nodes.kit.channel.default_channels()`.
This package is pure: it imports no other part of Wayline and does no IO.
"""

from nodes.kit.registry import Registry, RegistryError, default_registry
from nodes.kit.spec import NodeSpec

__all__ = ["NodeSpec", "Registry", "RegistryError", "default_registry"]
