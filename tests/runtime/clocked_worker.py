"""`wayline worker` on a clock the test moves: the process clock reads the instant from a file.

Worker processes normally run on the machine's clock. A test that compares their work with a
simulation needs them to see the same instants the simulation jumps to, so this entry point
installs a `FileClock` (the runtime's injected clock, `runtime.clock.install_clock`) before
starting the ordinary worker command. Start it as `python -m tests.runtime.clocked_worker` with
WAYLINE_TEST_CLOCK_FILE naming the file; `set_time` writes it.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from runtime.clock import install_clock


class FileClock:
    """The instant written in a file (ISO 8601, aware), read at every call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        """The instant the test last wrote."""
        return datetime.fromisoformat(self.path.read_text().strip())


def set_time(path: Path, at: datetime) -> None:
    """Move every worker reading `path` to `at` (written whole, then renamed: never half read)."""
    partial = path.with_suffix(".tmp")
    partial.write_text(at.isoformat())
    partial.replace(path)


def main() -> int:
    from server.cli import main as wayline

    install_clock(FileClock(Path(os.environ["WAYLINE_TEST_CLOCK_FILE"])))
    return wayline(["worker"])


if __name__ == "__main__":
    sys.exit(main())
