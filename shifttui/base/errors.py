"""Errors a user can cause: each carries one sentence fit to print as it is."""


class ShiftTuiError(Exception):
    """Base of the errors that become one line on stderr (exit 2) or a toast."""


class NotFound(ShiftTuiError):
    pass


class AlreadyExists(ShiftTuiError):
    pass


class AlreadyRunning(ShiftTuiError):
    pass


class InvalidInput(ShiftTuiError):
    pass


class StateError(ShiftTuiError):
    """An operation that the shift's or project's current state does not allow."""


class ConfigError(ShiftTuiError):
    pass


class DatabaseError(ShiftTuiError):
    pass


class LimitReached(StateError):
    """The global max_concurrent_shifts is reached."""
