"""JSON values: what a context may hold, checked and copied on the way in and out."""

import collections.abc
import math


_INT_MIN = -(2 ** 63)
_INT_MAX = 2 ** 64 - 1
_ACCEPTED = "None, bool, int, float, str, list, tuple, set and dict with str keys"


def _to_json(value, where=None):
    """A copy of ``value`` made only of JSON types, or TypeError/OverflowError/ValueError saying what is
    wrong. ``where`` names ``value`` in messages; None means ``value`` is a whole context's dict, whose
    values are then named by their keys."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if value < _INT_MIN or value > _INT_MAX:
            raise OverflowError(f"{where}: int {value} does not fit in 64 bits")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _non_finite(where, value)
        return float(value)
    if isinstance(value, dict) or (isinstance(value, collections.abc.Mapping)):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"unsupported type: {where or 'the context'} has a key of type "
                                f"'{type(k).__name__}' ({k!r}); context dict keys must be str")
            out[k] = _to_json(v, f"value of {k!r}" if where is None else f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple, set, frozenset)) or (
            isinstance(value, collections.abc.Sequence) and not isinstance(value, (bytes, bytearray))):
        return [_to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"unsupported type {type(value).__name__}: {where} is not JSON-serialisable "
                    f"(accepted: {_ACCEPTED})")


def _non_finite(where, value):
    # Upstream stored these as null, which loses the value without a word.
    return ValueError(f"{where} is {value!r}: a context holds JSON, which has no NaN or infinity; "
                      f"store None or a str instead")


def _find_non_finite(value, where=None):
    """``(name, value)`` of the first NaN or infinity inside a parsed JSON value, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return where, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = _find_non_finite(v, f"value of {k!r}" if where is None else f"{where}[{k!r}]")
        if found is not None:
            return found
    return None


def _copy(value):
    """A deep copy of a JSON value (faster than copy.deepcopy for these types)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"context keys must be str, got '{type(key).__name__}'")
