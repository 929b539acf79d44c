"""Context: the JSON mapping passed from task to task."""

import json

from cloaca._json import _check_key, _copy, _find_unstorable, _loads, _may_be_unstorable, _to_json


class Context:
    """A mapping from str to JSON values, passed from task to task and persisted after each one.

    Values are copied in and out: mutating what ``get`` returned does not change the context; set it
    again. Anything that is not JSON-serialisable is refused when it is stored, with a TypeError (a
    ValueError for NaN and infinity).
    """

    __slots__ = ("_data",)

    def __init__(self, data=None):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise TypeError(f"Context() argument must be a dict, got '{type(data).__name__}'")
        self._data = _to_json(data)

    @classmethod
    def _wrap(cls, data):
        ctx = cls.__new__(cls)
        ctx._data = data
        return ctx

    def get(self, key, default=None):
        """The value of ``key`` (a copy), or ``default`` when the key is absent."""
        _check_key(key)
        if key in self._data:
            return _copy(self._data[key])
        return default

    def set(self, key, value):
        """Inserts or replaces ``key``."""
        _check_key(key)
        self._data[key] = _to_json(value, f"value of {key!r}")

    def insert(self, key, value):
        """Adds ``key``; ValueError if it already exists."""
        _check_key(key)
        converted = _to_json(value, f"value of {key!r}")
        if key in self._data:
            raise ValueError(f"Key already exists: {key}")
        self._data[key] = converted

    def update(self, key, value):
        """Replaces the value of an existing ``key``; KeyError if it is absent."""
        _check_key(key)
        converted = _to_json(value, f"value of {key!r}")
        if key not in self._data:
            raise KeyError(f"Key not found: {key}")
        self._data[key] = converted

    def remove(self, key):
        """Removes ``key`` and returns its value, or None if it was absent."""
        _check_key(key)
        return self._data.pop(key, None)

    def to_dict(self):
        return _copy(self._data)

    def update_from_dict(self, data):
        """Sets every pair of ``data``; nothing is changed if any value is refused."""
        if not isinstance(data, dict):
            raise TypeError(f"update_from_dict() argument must be a dict, got '{type(data).__name__}'")
        self._data.update(_to_json(data))

    def to_json(self):
        return json.dumps(self._data, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def from_json(json_str):
        """A Context holding the JSON object ``json_str``; ValueError for any other text, for the
        NaN and Infinity that Python's json module writes but JSON does not have, and for a lone
        surrogate (``"\\ud800"``), which is not Unicode text."""
        constants = []

        def constant(name):
            constants.append(name)
            return float(name)

        try:
            data = _loads(json_str, parse_constant=constant)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Failed to deserialize from JSON: Serialization error: {e}") from None
        except RecursionError:
            # GraalPy's parser recurses in Java: its depth limit is the thread's stack, some hundreds of levels.
            raise ValueError("Failed to deserialize from JSON: Serialization error: the JSON nests lists and "
                             "objects more deeply than this interpreter's parser can follow") from None
        if not isinstance(data, dict):
            raise ValueError("Failed to deserialize from JSON: Serialization error: "
                             f"expected a JSON object, got {type(data).__name__}")
        if constants or _may_be_unstorable(json_str):
            error = _find_unstorable(data)
            if error is not None:
                raise ValueError(f"Failed to deserialize from JSON: Serialization error: {error}")
        return Context._wrap(data)

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        _check_key(key)
        return key in self._data

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(f"Key not found: '{key}'")
        return value

    def __setitem__(self, key, value):
        self.set(key, value)

    def __delitem__(self, key):
        _check_key(key)
        if key not in self._data:
            raise KeyError(f"Key not found: '{key}'")
        del self._data[key]

    def __repr__(self):
        return f"Context({self.to_json()})"
