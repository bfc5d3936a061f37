"""Errors that reach the user with a status code and a plain-words message."""


class UserError(Exception):
    """Bad input or a refused request. Rendered as {"error": {"code", "message"}}."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class BadInput(UserError):
    status = 422


class TooLarge(UserError):
    status = 413


class NotFound(UserError):
    status = 404


class EngineNotReady(UserError):
    """The engine exists but cannot run (missing checkpoints, missing library)."""

    status = 409


class Cancelled(Exception):
    """Raised inside a running job when the user cancelled it."""
