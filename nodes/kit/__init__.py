"""What node kinds and channels are made of: the spec types, decisions, shared field types and
form hints, rules, SMS/LMS counting, and the registries that discover them."""
