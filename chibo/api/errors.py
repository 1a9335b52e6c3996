from __future__ import annotations

from ninja.errors import HttpError


class ApiError(HttpError):
    """An API error with its own stable ``code``, e.g. ``ApiError(401, msg, "bad_login")``."""

    def __init__(self, status_code: int, message: str, code: str) -> None:
        super().__init__(status_code, message)
        self.code = code
