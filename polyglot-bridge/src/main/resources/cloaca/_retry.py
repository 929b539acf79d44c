"""Retry value objects: RetryPolicy, its builder, BackoffStrategy and RetryCondition."""

from cloaca._checks import _bool, _non_negative_float, _non_negative_int


def _num(x):
    return int(x) if float(x).is_integer() else x


class BackoffStrategy:
    """How the delay grows between attempts. Build with ``fixed()``, ``linear()`` or ``exponential()``."""

    __slots__ = ("kind", "base", "multiplier")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("BackoffStrategy has no constructor; use BackoffStrategy.fixed(), .linear() or .exponential()")

    @classmethod
    def _make(cls, kind, base=None, multiplier=None):
        b = object.__new__(cls)
        b.kind, b.base, b.multiplier = kind, base, multiplier
        return b

    @staticmethod
    def fixed():
        return BackoffStrategy._make("fixed")

    @staticmethod
    def linear(multiplier=None):
        return BackoffStrategy._make("linear", multiplier=1.0 if multiplier is None else float(multiplier))

    @staticmethod
    def exponential(base=None, multiplier=None):
        return BackoffStrategy._make("exponential", base=2.0 if base is None else float(base),
                                     multiplier=1.0 if multiplier is None else float(multiplier))

    def _factor(self, attempt):
        if self.kind == "fixed":
            return 1.0
        if self.kind == "linear":
            return attempt * self.multiplier
        return self.multiplier * self.base ** (attempt - 1)

    def __repr__(self):
        if self.kind == "fixed":
            return "BackoffStrategy.Fixed"
        if self.kind == "linear":
            return f"BackoffStrategy.Linear(multiplier={_num(self.multiplier)})"
        return f"BackoffStrategy.Exponential(base={_num(self.base)}, multiplier={_num(self.multiplier)})"


class RetryCondition:
    """Which errors are retried. Build with ``never()``, ``transient_only()``, ``all_errors()`` or ``error_pattern()``."""

    __slots__ = ("kind", "patterns")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryCondition has no constructor; use RetryCondition.never(), .transient_only(), "
                        ".all_errors() or .error_pattern(patterns)")

    @classmethod
    def _make(cls, kind, patterns=None):
        c = object.__new__(cls)
        c.kind, c.patterns = kind, patterns
        return c

    @staticmethod
    def never():
        return RetryCondition._make("never")

    @staticmethod
    def transient_only():
        return RetryCondition._make("transient")

    @staticmethod
    def all_errors():
        return RetryCondition._make("all")

    @staticmethod
    def error_pattern(patterns):
        if isinstance(patterns, str) or not all(isinstance(p, str) for p in patterns):
            raise TypeError("error_pattern() takes a list of str")
        return RetryCondition._make("pattern", list(patterns))

    def __repr__(self):
        names = {"never": "Never", "transient": "TransientOnly", "all": "AllErrors"}
        if self.kind == "pattern":
            return f"RetryCondition.ErrorPattern(patterns={self.patterns!r})"
        return f"RetryCondition.{names[self.kind]}"


_TRANSIENT = ("timeout", "connection", "network", "temporary", "unavailable", "busy", "overloaded", "rate limit")


class RetryPolicy:
    """Retry settings of a task: total attempts, backoff, delays, jitter and condition.

    Build with ``RetryPolicy.builder()...build()`` or take ``RetryPolicy.default()``; attach with
    ``@cloaca.task(retry=policy)``.
    """

    __slots__ = ("_max_attempts", "_backoff", "_initial_delay", "_max_delay", "_jitter", "_condition")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryPolicy has no constructor; use RetryPolicy.builder() or RetryPolicy.default()")

    @classmethod
    def _make(cls, max_attempts, backoff, initial_delay, max_delay, jitter, condition):
        p = object.__new__(cls)
        p._max_attempts, p._backoff = max_attempts, backoff
        p._initial_delay, p._max_delay = initial_delay, max_delay
        p._jitter, p._condition = jitter, condition
        return p

    @staticmethod
    def default():
        return RetryPolicy._make(3, BackoffStrategy.exponential(2.0, 1.0), 1.0, 60.0, True, RetryCondition.all_errors())

    @staticmethod
    def builder():
        return RetryPolicyBuilder._from(RetryPolicy.default())

    @property
    def max_attempts(self):
        return self._max_attempts

    @property
    def initial_delay(self):
        return self._initial_delay

    @property
    def max_delay(self):
        return self._max_delay

    @property
    def with_jitter(self):
        return self._jitter

    def should_retry(self, attempt, error_type=None):
        return attempt < self._max_attempts

    def calculate_delay(self, attempt):
        import random
        delay = min(self._initial_delay * self._backoff._factor(attempt), self._max_delay)
        if self._jitter:
            delay *= random.uniform(0.75, 1.25)
        return delay

    def _to_java(self):
        b, c = self._backoff, self._condition
        return {"max_attempts": self._max_attempts, "backoff": b.kind, "base": b.base, "multiplier": b.multiplier,
                "initial_delay": self._initial_delay, "max_delay": self._max_delay, "jitter": self._jitter,
                "condition": c.kind, "patterns": c.patterns}

    def __repr__(self):
        return (f"RetryPolicy(max_attempts={self._max_attempts}, initial_delay={_num(self._initial_delay)}s, "
                f"max_delay={_num(self._max_delay)}s, jitter={str(self._jitter).lower()})")


class RetryPolicyBuilder:
    """Immutable: every method returns a new builder."""

    __slots__ = ("_fields",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("RetryPolicyBuilder has no constructor; use RetryPolicy.builder()")

    @classmethod
    def _from(cls, policy, **changes):
        b = object.__new__(cls)
        fields = {"max_attempts": policy._max_attempts, "backoff": policy._backoff,
                  "initial_delay": policy._initial_delay, "max_delay": policy._max_delay,
                  "jitter": policy._jitter, "condition": policy._condition}
        fields.update(changes)
        b._fields = fields
        return b

    def _with(self, **changes):
        b = object.__new__(RetryPolicyBuilder)
        b._fields = {**self._fields, **changes}
        return b

    def max_attempts(self, n):
        return self._with(max_attempts=_non_negative_int("max_attempts", n))

    def initial_delay(self, seconds):
        return self._with(initial_delay=_non_negative_float("initial_delay", seconds))

    def max_delay(self, seconds):
        return self._with(max_delay=_non_negative_float("max_delay", seconds))

    def backoff_strategy(self, strategy):
        if not isinstance(strategy, BackoffStrategy):
            raise TypeError(f"backoff_strategy() takes a BackoffStrategy, got '{type(strategy).__name__}'")
        return self._with(backoff=strategy)

    def retry_condition(self, condition):
        if not isinstance(condition, RetryCondition):
            raise TypeError(f"retry_condition() takes a RetryCondition, got '{type(condition).__name__}'")
        return self._with(condition=condition)

    def with_jitter(self, jitter):
        return self._with(jitter=_bool("with_jitter", jitter))

    def build(self):
        f = self._fields
        return RetryPolicy._make(f["max_attempts"], f["backoff"], f["initial_delay"], f["max_delay"], f["jitter"],
                                 f["condition"])
