"""Templates: the messages send steps name (stored in `templates`, edited on the Messages page)."""

from runtime.store.models import Template
from runtime.store.references import ReferenceKind

REFERENCE = ReferenceKind("template", "message", Template)
