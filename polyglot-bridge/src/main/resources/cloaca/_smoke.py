"""Smoke-test helpers kept from upstream's first releases. Imported on first use."""

import cloaca


def hello_world():
    return "Hello from Cloaca backend!"


class HelloClass:
    def __init__(self):
        self._message = "Hello from HelloClass!"

    def get_message(self):
        return self._message

    def __repr__(self):
        return f"HelloClass(message='{self._message}')"


def get_backend():
    """The backend of the default configuration (SQLite); a PostgreSQL URL selects PostgreSQL per runner."""
    return cloaca.__backend__


def get_version():
    return cloaca.__version__
