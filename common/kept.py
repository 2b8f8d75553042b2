"""Values kept per process, least recently used out first."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class KeptPerProcess(Generic[Key, Value]):
    """A bounded mapping that a process's threads share: ``get`` marks a key as
    just used, ``keep`` stores a value and pushes the least recently used out
    beyond ``size``. There is no lock: another thread may move or push out an
    entry at the same moment, which costs at most one rebuild. Only for values
    that are derived from their key (so any thread may store them) and never
    None (``get``'s answer for "not kept")."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Key, Value] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        value = self._items.get(key)
        if value is not None:
            with suppress(KeyError):  # pushed out by another thread meanwhile
                self._items.move_to_end(key)
        return value

    def keep(self, key: Key, value: Value) -> None:
        self._items[key] = value
        while len(self._items) > self.size:
            try:
                self._items.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break

    def clear(self) -> None:
        self._items.clear()
