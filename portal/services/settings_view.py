"""The read-only view of a portal settings document (portal.services.portal_settings)."""

import copy
import json


class Settings:
    """A read-only view of a document: `settings.features.banner.level`; a list is a tuple
    of views; `as_dict()` gives the JSON form back."""

    __slots__ = ("_data",)

    def __init__(self, data: dict):
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name):
        try:
            return _view(self._data[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self.__getattr__(name)

    def __setattr__(self, name, value):
        raise AttributeError("portal settings are read-only; save a draft and publish")

    def get(self, name, default=None):
        return _view(self._data[name]) if name in self._data else default

    def as_dict(self) -> dict:
        return copy.deepcopy(self._data)

    def __eq__(self, other):
        return isinstance(other, Settings) and other._data == self._data

    def __hash__(self):
        return hash(json.dumps(self._data, sort_keys=True))

    def __repr__(self):
        return f"Settings({self._data!r})"


def _view(value):
    if isinstance(value, dict):
        return Settings(value)
    if isinstance(value, list):
        return tuple(_view(item) for item in value)
    return value
