"""Files that hold personal data (database, backups, exports) are readable by their owner only (0600).

Exports and backups carry names, ID numbers and phones: the process's umask (often 022, which
leaves files readable by every account on the machine) must not decide who may read them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private(path: Path) -> None:
    """Create an empty file readable and writable by its owner only; refuse one that exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))


def write_private(path: str | Path, data: bytes | str, encoding: str = "utf-8") -> None:
    """Write data to path (replacing it), readable by its owner only, also if the file was there before."""
    body = data.encode(encoding) if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_MODE)
        handle.write(body)


def make_private(path: str | Path) -> None:
    """Take group and other permissions away from an existing file (no-op where they are already gone)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_IMODE(mode) & 0o077:
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
