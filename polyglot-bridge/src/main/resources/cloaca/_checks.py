"""Argument checks shared by the public classes: each raises the error type upstream raises."""

def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got '{type(value).__name__}'")
    if value < 0:
        raise OverflowError(f"{name} must not be negative, got {value}")
    return value


def _non_negative_float(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got '{type(value).__name__}'")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return float(value)


def _bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got '{type(value).__name__}'")
    return value


def _check_str(name, value):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got '{type(value).__name__}'")


def _page(name, value, default):
    """A limit or offset: None means the default; negative values are a ValueError naming the value."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, got '{type(value).__name__}'")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return min(value, 2 ** 31 - 1)
