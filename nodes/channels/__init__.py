"""Channels: one module per channel, each exporting `CHANNEL`, a `nodes.kit.channel.ChannelSpec`.

`nodes.kit.channel.default_channels()` discovers them (a missing or duplicate spec fails at
import, naming the file). Adding a channel is adding a file here: the template form, rendering,
the advertising label, limits, the provider's request, test sends and consent all read the spec.
Pure, like the rest of `nodes`: declarations and functions of their arguments, no IO.
"""
