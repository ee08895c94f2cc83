"""MicroforgeError: the one error type for everything a user can cause (bad model, bad option)."""
from __future__ import annotations


class MicroforgeError(Exception):
    """A user-facing failure: what went wrong, where, and what to do about it.

    >>> raise MicroforgeError("unsupported op LSTM", where="op 3 (LSTM)", hint="supported: CONV_2D, ...")
    """

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None):
        self.what = what
        self.where = where
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what.rstrip(".") + "."]
        if self.where:
            parts.insert(0, f"{self.where}:")
        if self.hint:
            parts.append(self.hint[:1].upper() + self.hint[1:].rstrip(".") + ".")
        return " ".join(parts)
