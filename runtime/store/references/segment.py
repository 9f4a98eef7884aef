"""Segments: saved audience rules that entries name (stored in `segments`)."""

from runtime.store.models import Segment
from runtime.store.references import ReferenceKind

REFERENCE = ReferenceKind("segment", "segment", Segment)
