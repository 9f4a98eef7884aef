"""What node kinds are made of: the spec type, decisions, shared field types, rules, registry."""
