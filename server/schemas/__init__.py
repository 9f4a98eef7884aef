"""msgspec structs the API takes and gives, one module per area (the OpenAPI schema)."""
