"""Node kinds: one module per kind directly in this package, shared parts in `nodes.kit`.

Every module here (not a sub-package, not starting with "_") is a node kind and must define
`SPEC`, a `NodeSpec`. `default_registry()` discovers them; nothing else switches on a kind.
Channels are the same shape in `nodes.channels`: one module per channel defining `CHANNEL`, a
`nodes.kit.channel.ChannelSpec`, discovered by `nodes.kit.channel.default_channels()`.
This package is pure: it imports no other part of Wayline and does no IO.
"""

from nodes.kit.registry import Registry, RegistryError, default_registry
from nodes.kit.spec import NodeSpec

__all__ = ["NodeSpec", "Registry", "RegistryError", "default_registry"]
