"""Quarantined raw rows at rest: masked for anyone who queries the table, sealed for replay.

The warehouse keeps two forms of each quarantined raw row: `raw`, the row as JSON with every run
of 7 or more digits (ID numbers, phones) masked, which is what `quarantine list|show` print and any
SQL query reads; and `raw_sealed`, the clear row encrypted with Fernet (AES-128-CBC + HMAC) under
a key kept outside the warehouse, read back only by `quarantine replay` to map the row again.

    >>> masked_raw({"身份证号码": "500106198503070016", "联系电话": "13812345678"})
    '{"身份证号码": "50****************", "联系电话": "138******78"}'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from cityhub.access.masking import mask_free_text
from ontology.errors import BadInput

KEY_FILE = "quarantine.key"


def masked_raw(row: dict[str, Any]) -> str:
    """Return a raw row as JSON with its ID numbers and phones masked."""
    return mask_free_text(json.dumps(row, ensure_ascii=False, default=str))


class QuarantineSeal:
    """Encrypts quarantined raw rows with a key file; the file is made (mode 0600) on first use."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = key_path
        self._fernet: Fernet | None = None

    def _key(self) -> Fernet:
        if self._fernet is None:
            if not self.key_path.exists():
                self.key_path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as key_file:
                    key_file.write(Fernet.generate_key())
            self._fernet = Fernet(self.key_path.read_bytes().strip())
        return self._fernet

    def seal(self, row: dict[str, Any]) -> str:
        """Return the row encrypted (a Fernet token, ASCII)."""
        clear = json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")
        return self._key().encrypt(clear).decode("ascii")

    def unseal(self, token: str) -> dict[str, Any]:
        """Return the clear row of a token; BadInput when the key is not the one that sealed it."""
        try:
            clear = self._key().decrypt(token.encode("ascii"))
        except InvalidToken as error:
            raise BadInput(f"quarantine: the key {self.key_path} did not seal these rows") from error
        row: dict[str, Any] = json.loads(clear)
        return row
