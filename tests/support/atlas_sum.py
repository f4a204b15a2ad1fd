"""Atlas's migration-directory checksum (``atlas.sum``), reimplemented.

The Atlas CLI cannot be installed everywhere this project is tested, so the
tests compute the file themselves. The algorithm, as Atlas implements it
(``migrate.NewHashFile`` and ``HashFile.Sum`` in ariga.io/atlas):

* one running SHA-256; for each ``.sql`` file in lexical order, feed it the
  file name, then the file bytes, and record base64 of the digest so far;
* the first line is ``h1:`` plus base64 of a *second* SHA-256 over every
  recorded (name, base64 hash) pair - not the running digest;
* then one ``<name> h1:<hash>`` line per file.

Checked byte for byte against a real atlas.sum in fixtures/atlas_sum_tinyurl.
"""

import base64
import hashlib
from pathlib import Path


def atlas_sum(directory: Path) -> str:
    """The atlas.sum content Atlas would write for ``directory``."""
    running = hashlib.sha256()
    entries: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.sql"), key=lambda p: p.name):
        running.update(path.name.encode())
        running.update(path.read_bytes())
        entries.append((path.name, base64.b64encode(running.digest()).decode()))
    total = hashlib.sha256()
    for name, file_hash in entries:
        total.update(name.encode())
        total.update(file_hash.encode())
    lines = [f"h1:{base64.b64encode(total.digest()).decode()}"]
    lines += [f"{name} h1:{file_hash}" for name, file_hash in entries]
    return "\n".join(lines) + "\n"
