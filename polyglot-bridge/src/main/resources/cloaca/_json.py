"""JSON values: what a context may hold, checked and copied on the way in and out."""

import collections.abc
import io
import json
import math
import re

import cloaca


_INT_MIN = -(2 ** 63)
_INT_MAX = 2 ** 64 - 1
_ACCEPTED = "None, bool, int, float, str, list, tuple, set and dict with str keys"
#: How many lists and dicts a context value may nest. GraalPy's interpreter runs out of Java stack after
#: about 80 levels of _to_json or _copy under pytest (a comprehension is a frame of its own), so deeper
#: values would fail with a bare RecursionError, when stored or only when read back.
_MAX_DEPTH = 64
#: A UTF-16 surrogate on its own: Python text may hold one, UTF-8 (and so the database) cannot.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: A \u escape of a surrogate in JSON text, which json.loads turns into a lone one unless it is half of a pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")


# Lists built here are filled by index, not appended to: under GraalPy's interpreter, a list.append (or
# a list comprehension) in a recursive walk, which builds lists inside lists, takes time and memory
# quadratic in the number of lists built (measured: 20,000 records with a nested list took 7.6 s to store and
# 740 MB of heap to copy; 50,000 raised MemoryError); a preallocated list filled by index does not.


class _TooDeep(Exception):
    """Raised inside _convert at _MAX_DEPTH; _to_json then finds out why, from the whole value."""


def _to_json(value, where=None):
    """A copy of ``value`` made only of JSON types, or TypeError/OverflowError/ValueError saying what is
    wrong. ``where`` names ``value`` in messages; None means ``value`` is a whole context's dict, whose
    values are then named by their keys."""
    if value and type(value) in _PICKLED_CONTAINERS and not _jit_compiled():  # Context() walks nothing
        converted = _converted_by_the_jvm(value, _MAX_DEPTH + (where is None))
        if converted is not _NOT_PLAIN:
            return converted
    return _walked(value, where)


def _walked(value, where):
    """``_to_json`` by a walk in Python, which names what it refuses."""
    try:
        return _convert(value, where, _ITSELF, -1 if where is None else 0)
    except _TooDeep:
        raise _nesting_error(value, where) from None


#: What ``_converted_by_the_jvm`` answers for a value Python must walk itself.
_NOT_PLAIN = object()
#: The types ``_to_json`` first hands to the JVM: a str or a number is checked at once here.
_PICKLED_CONTAINERS = (dict, list, tuple, set, frozenset)
#: A Pickler class that refuses to pickle anything but the exact plain types, made on first use.
_plain_pickler = None
#: Whether this interpreter JIT-compiles Python, asked of the host on first use.
_compiled = None


def _jit_compiled():
    """Whether Python is JIT-compiled here (``--jit``), where ``_to_json`` walks values in Python: once
    compiled, the walk is about 5 times as fast as the trip through the JVM (20,000 records: 86 against
    450-565 ms), though its first call is 3 times as slow (3.6 against 1.1 s)."""
    global _compiled
    if _compiled is None:
        _compiled = bool(cloaca._host.compiled())
    return _compiled


def _converted_by_the_jvm(value, levels):
    """``_convert``'s result, had by pickling ``value`` (GraalPy's pickler runs in Java) and having the JVM
    check and copy what it holds (``PlainPickleReader``): under GraalPy's interpreter a walk in Python takes
    about 12 times as long (20,000 four-field records: 1.8 s against 0.15 s). ``_NOT_PLAIN`` when ``value``
    holds anything but the exact plain types (the pickler then stops at once, before any object's own
    pickling code runs), nests more than ``levels`` lists and dicts, or holds what a context refuses: the
    walk in Python then stores it, or says precisely what is wrong."""
    global _plain_pickler
    if _plain_pickler is None:
        class _PlainPickler(_pickle().Pickler):
            # Called for every object that is not of an exact type the pickler handles itself (dict, list,
            # tuple, set, frozenset, str, int, float, bool, None, bytes): a subclass, an IntEnum, a date...
            def reducer_override(self, obj):
                raise _NotPlainType()

        _plain_pickler = _PlainPickler
    buffer = io.BytesIO()
    try:
        _plain_pickler(buffer, 4).dump(value)
    except Exception:  # _NotPlainType, a RecursionError past the interpreter's depth
        return _NOT_PLAIN
    pickled = cloaca._host.plainValuePickle(buffer.getvalue().decode("latin-1"), levels)
    return _NOT_PLAIN if pickled is None else _unpickle(pickled)


class _NotPlainType(Exception):
    """Raised by ``_converted_by_the_jvm``'s pickler at the first value that is not of a plain type."""


#: The key of a value ``_convert`` names by its parent's name alone (the outermost value).
_ITSELF = object()


def _name(parent, key):
    """What messages call the value at ``key`` of the value named ``parent`` (None: a whole context)."""
    if key is _ITSELF:
        return parent
    return f"value of {key!r}" if parent is None else f"{parent}[{key!r}]"


def _convert(value, parent, key, depth):
    """``_to_json`` of the value at ``key`` of the one named ``parent``; ``depth`` counts the lists and
    dicts it is inside of. Its name is formatted only for a message or for a container's children, not for
    every element of a list, which made long lists slower (measured under GraalPy: a list of 100,000 ints
    stores about 20% faster without). A list is filled by index (see the top of this module)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        # _has_lone_surrogate, inlined: this runs for every string stored.
        if not value.isascii() and not (len(value) <= 256 and value.isprintable()) and _LONE_SURROGATE.search(value):
            raise _not_text(_name(parent, key), value)
        return value
    if isinstance(value, int):
        if value < _INT_MIN or value > _INT_MAX:
            raise OverflowError(f"{_name(parent, key)}: int {value} does not fit in 64 bits")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _non_finite(_name(parent, key), value)
        return float(value)
    if depth == _MAX_DEPTH and _is_container(value):
        raise _TooDeep()
    where = _name(parent, key)
    inner = depth + 1
    if isinstance(value, dict) or (isinstance(value, collections.abc.Mapping)):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"unsupported type: {where or 'the context'} has a key of type "
                                f"'{type(k).__name__}' ({k!r}); context dict keys must be str")
            if not k.isascii() and _has_lone_surrogate(k):
                raise _key_not_text(where, k)
            out[k] = _convert(v, where, k, inner)
        return out
    if _is_container(value):
        items = value if type(value) in (list, tuple) else list(value)
        out = [None] * len(items)
        for i, v in enumerate(items):
            out[i] = _convert(v, where, i, inner)
        return out
    raise TypeError(f"unsupported type {type(value).__name__}: {where} is not JSON-serialisable "
                    f"(accepted: {_ACCEPTED})")


def _is_container(value):
    """Whether ``_convert`` stores ``value`` (not a str, int or float) as a JSON object or array."""
    return isinstance(value, (dict, list, tuple, set, frozenset, collections.abc.Mapping)) or (
            isinstance(value, collections.abc.Sequence) and not isinstance(value, (bytes, bytearray)))


def _nesting_error(value, where):
    """The ValueError for a value ``_convert`` found nested ``_MAX_DEPTH`` deep: it contains itself (named
    where it does, as the Java API does), or it simply nests too deeply (named by its outermost name). Walks
    in ``_convert``'s order, so the first path that goes too deep is the one ``_convert`` took."""
    enclosing = []  # ids of the containers around the one being walked, the context's dict included

    def walk(v, name, outermost):
        if isinstance(v, str) or not _is_container(v):
            return None
        if id(v) in enclosing:
            return ValueError(f"{name}: the value contains itself; JSON has no cycles")
        if len(enclosing) - (where is None) == _MAX_DEPTH:
            return ValueError(f"{outermost} nests lists and dicts more than {_MAX_DEPTH} levels deep; "
                              f"a context value may nest at most {_MAX_DEPTH}")
        enclosing.append(id(v))
        items = v.items() if isinstance(v, collections.abc.Mapping) else enumerate(v)
        children = ((_name(name, k), c) for k, c in items)
        for child_name, child in children:
            found = walk(child, child_name, outermost or child_name)
            if found is not None:
                return found
        enclosing.pop()
        return None

    return walk(value, where, where)


def _has_lone_surrogate(text):
    """Whether ``text`` cannot be stored as UTF-8. Cheap for any length on GraalPy, where encode('utf-8')
    takes 80-120 ms for 5 MB (measured): isascii() answers at once; no surrogate is printable, and
    isprintable() is the quickest test of short text (1 us); the regex takes 8 us for short text but
    0.1 ms for 5 MB without a surrogate."""
    return not text.isascii() and not (len(text) <= 256 and text.isprintable()) and (
            _LONE_SURROGATE.search(text) is not None)


def _not_text(where, text):
    found = _LONE_SURROGATE.search(text)
    return ValueError(f"{where} is not valid Unicode text: it holds a lone surrogate {found.group()!r} at "
                      f"index {found.start()}, which JSON stored as UTF-8 cannot represent")


def _key_not_text(where, key):
    return _not_text(f"{where or 'the context'} has a key {key!r} that", key)


def _non_finite(where, value):
    # Upstream stored these as null, which loses the value without a word.
    return ValueError(f"{where} is {value!r}: a context holds JSON, which has no NaN or infinity; "
                      f"store None or a str instead")


def _find_unstorable(value, where=None):
    """The ValueError for the first NaN, infinity or lone surrogate (in a str or a key) inside a parsed JSON
    value, or None. Walks depth-first in document order without recursion, since ``from_json`` reads JSON
    nested up to 1000 levels: each entry is a value to look at, or (``is_key``) a key of the dict ``where``
    names."""
    pending = [(False, value, where)]
    while pending:
        is_key, value, where = pending.pop()
        if is_key:
            if _LONE_SURROGATE.search(value):
                return _key_not_text(where, value)
            continue
        if isinstance(value, float) and not math.isfinite(value):
            return _non_finite(where, value)
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                return _not_text(where, value)
            continue
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        children = []
        for k, v in items:
            if isinstance(k, str):
                children.append((True, k, where))
            children.append((False, v, _name(where, k)))
        pending.extend(reversed(children))
    return None


def _may_be_unstorable(json_text):
    """Whether what json.loads made of ``json_text`` may hold a lone surrogate, so that
    ``_find_unstorable`` must look (a pair of surrogate escapes is fine, but telling needs the parse)."""
    if not isinstance(json_text, str):
        return True  # bytes, which json.loads also reads
    return _SURROGATE_ESCAPE.search(json_text) is not None or (
            not json_text.isascii() and _LONE_SURROGATE.search(json_text) is not None)


def _copy(value):
    """A deep copy of a JSON value, at any depth: a value stored through ``set`` nests at most
    ``_MAX_DEPTH`` levels, but one read by ``from_json`` or handed in by the engine (which reads JSON
    1000 levels deep) may nest further. Copied by a pickle round trip, which GraalPy runs in Java: 2.5x
    faster than a recursive copy in Python for a dict of three keys, 4.5x for a dict of 64 records
    (measured interpreted); JSON values never share a list or dict, so the pickle's memo changes nothing."""
    if not isinstance(value, (dict, list)):
        return value
    pickle = _pickle()
    try:
        return pickle.loads(pickle.dumps(value, 5))
    except RecursionError:
        return _copy_iteratively(value)


def _copy_iteratively(value):
    """``_copy`` for values nested past what the interpreter's stack holds: slower, without recursion."""
    if not isinstance(value, (dict, list)):
        return value
    root = {} if isinstance(value, dict) else [None] * len(value)
    pending = [(value, root)]
    while pending:
        source, target = pending.pop()
        for key, item in (source.items() if isinstance(source, dict) else enumerate(source)):
            if isinstance(item, (dict, list)):
                copied = {} if isinstance(item, dict) else [None] * len(item)
                pending.append((item, copied))
            else:
                copied = item
            target[key] = copied  # a list's slots exist already (see the top of this module)
    return root


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError(f"context keys must be str, got '{type(key).__name__}'")
    if _has_lone_surrogate(key):
        raise _not_text(f"context key {key!r}", key)


#: The _pickle module, imported on first use: the import costs start-up time (14 ms measured) that a
#: script that neither runs a task nor reads a context never needs.
_pickle_module = None


def _pickle():
    global _pickle_module
    if _pickle_module is None:
        import _pickle as _pickle_module
    return _pickle_module


def _unpickle(pickled):
    """The value of a pickle the JVM wrote (``PickledJson``: plain values only, one char per byte)."""
    return _pickle().loads(pickled.encode("latin-1"))


def _loads(json_text, **options):
    """``json.loads(json_text, **options)``, parsed by the JVM when it reads the text as one JSON value:
    GraalPy's json.loads takes time quadratic in a list's length (see ``PickledJson``). Anything else
    (bytes, NaN, text that is not JSON) goes to json.loads, which answers as it always did; so do
    ``options`` (a ``parse_constant`` is only ever called for NaN and Infinity, which the JVM refuses)."""
    if isinstance(json_text, str):
        pickled = cloaca._host.pickledJson(json_text)
        if pickled is not None:
            return _unpickle(pickled)
    return json.loads(json_text, **options)
