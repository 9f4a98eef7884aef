"""SMS, LMS and MMS: how long a text message is, counted the way Korean carriers count it.

Korean carriers measure texts in EUC-KR / CP949 bytes: ASCII is one byte, Hangul (and every
other character CP949 has) two. Up to 90 bytes is an SMS; up to 2,000 bytes an LMS (long
message, billed higher); anything longer cannot be sent as a text at all. A character CP949
lacks (an emoji, say) is counted as two bytes, as the gateways that accept them do, so the
count is simply one byte per ASCII character and two for everything else. A subject (LMS and
MMS only, at most 40 bytes) makes a text an LMS however short; an image makes it an MMS. The
editor counts live as the marketer types (builder/ui/js/src/editor/sms.js) with the
parameters of this rule, `COUNTING`, served to it in the canvas catalogue; tests hold both
counts to the same cases.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from enum import StrEnum

SMS_MAX_BYTES = 90
"""The longest text sent as an SMS."""

LMS_MAX_BYTES = 2000
"""The longest text sent at all (as an LMS)."""


def _two_bytes_each(error: UnicodeError) -> tuple[str, int]:
    """Counts each character CP949 cannot encode as two bytes (what gateways charge)."""
    assert isinstance(error, UnicodeEncodeError)
    return "??" * (error.end - error.start), error.end


codecs.register_error("wayline-sms-bytes", _two_bytes_each)


COUNTING = {"sms_max": SMS_MAX_BYTES, "lms_max": LMS_MAX_BYTES, "narrow_below": 0x80,
            "narrow": 1, "wide": 2}
"""The counting rule as parameters, for the editor: characters below `narrow_below` (ASCII)
count `narrow` bytes, every other `wide`; CRLF counts as one line break."""


SUBJECT_MAX_BYTES = 40
"""The longest LMS/MMS subject, in carrier bytes (NHN Cloud and Solapi both stop at 40)."""

MMS_MAX_IMAGES = 3
"""Images one MMS may carry."""

MMS_IMAGE_MAX_BYTES = 200 * 1024
"""The largest MMS image: Solapi's 200 KB, the stricter of the providers (NHN Cloud: 300 KB)."""

MMS_TOTAL_MAX_BYTES = 300 * 1024
"""All of one MMS's images together (NHN Cloud's 300 KB)."""

MMS_MAX_PIXELS = 1000
"""The widest or tallest MMS image: NHN Cloud's 1,000 × 1,000 (Solapi allows 1,500 × 1,440)."""


class TextKind(StrEnum):
    """How a text message travels, by its length, subject and images."""

    SMS = "SMS"
    LMS = "LMS"
    MMS = "MMS"


@dataclass(frozen=True)
class TextSize:
    """A text's carrier byte count and the kind it goes as."""

    bytes: int
    kind: TextKind


class TooLongError(ValueError):
    """The text is longer than an LMS may be."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"the text is {size:,} bytes, more than the {LMS_MAX_BYTES:,} bytes an "
                         f"LMS may carry (Hangul counts 2 bytes, ASCII 1); shorten it")


def carrier_bytes(text: str) -> int:
    """The text's length in CP949 bytes, as carriers bill it (line breaks count one byte)."""
    return len(text.replace("\r\n", "\n").encode("cp949", errors="wayline-sms-bytes"))


def text_size(text: str, subject: str | None = None, images: int = 0) -> TextSize:
    """SMS, LMS or MMS for this text (with a subject, with images); TooLongError when it is
    longer than an LMS may be."""
    size = carrier_bytes(text)
    if size > LMS_MAX_BYTES:
        raise TooLongError(size)
    if images:
        return TextSize(size, TextKind.MMS)
    if subject or size > SMS_MAX_BYTES:
        return TextSize(size, TextKind.LMS)
    return TextSize(size, TextKind.SMS)
