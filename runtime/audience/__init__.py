"""Audiences in SQL: the rule language's second back end, typed values, indexed attributes.
Imports `store` and `customers`."""
