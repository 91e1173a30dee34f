"""Errors the engine raises for bad input or settings: a code, parameters and the column concerned.

The page and the CLI translate `code` with the strings in `py_engine/locales/<lang>.json` (key
"errors.<code>"), so a user reads the message in their own language; `str(error)` is the English text.
"""

from __future__ import annotations


class EngineError(Exception):
    """A problem the user can act on.

    kind: "input" (the file), "settings" (a choice the user made), "cancelled", or "internal".
    code: a key under "errors." in the locale files, e.g. "read.empty_file".
    params: values for the message's {placeholders}.
    column: the column the problem is in, if any.
    """

    def __init__(self, code: str, *, kind: str = "input", column: str | None = None, **params):
        self.code = code
        self.kind = kind
        self.column = column
        self.params = {k: v for k, v in params.items()}
        if column is not None:
            self.params.setdefault("column", column)
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from .i18n import translate

        return translate("errors." + self.code, lang, **self.params)

    def __reduce__(self):
        """Pickled whole (code, kind, column, params), so an error raised in a worker process of
        `py_engine.parallel` reaches the caller as the same error."""
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def to_dict(self, lang: str = "en") -> dict:
        return {"kind": self.kind, "code": self.code, "column": self.column,
                "params": {k: _plain(v) for k, v in self.params.items()}, "message": self.message(lang)}


class Cancelled(EngineError):
    """The user stopped the work (raised from a progress callback)."""

    def __init__(self):
        super().__init__("cancelled", kind="cancelled")


def _restore(cls, args: tuple, state: dict) -> EngineError:
    e = Exception.__new__(cls)
    e.args = args
    e.__dict__.update(state)
    return e


def _plain(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return str(v)
