"""Flask-Caching on Redis (CACHE_TYPE when PORTAL_REDIS_URL is set) that takes an
unreachable Redis for an empty cache: a read misses, a write is not kept. What is cached
can always be computed again, so no request fails because the cache is down."""

import functools

from flask_caching.backends.rediscache import RedisCache

from portal.redis_outage import UNREACHABLE, Outage

_outage = Outage("cache", "every read misses")


def _miss(*_args, **_kwargs):
    return None


def _not_done(*_args, **_kwargs):
    return False


# what each operation answers while Redis is unreachable
_WHILE_DOWN = {
    "get": _miss, "inc": _miss, "dec": _miss,
    "get_many": lambda *keys: [None] * len(keys),
    "get_dict": lambda *keys: dict.fromkeys(keys),
    "has": _not_done, "set": _not_done, "add": _not_done, "delete": _not_done,
    "clear": _not_done, "unlink": lambda *_keys: 0,
    "set_many": lambda *_args, **_kwargs: [], "delete_many": lambda *_keys: [],
}


def _tolerant(name: str):
    method = getattr(RedisCache, name)
    answer = _WHILE_DOWN[name]

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            _outage.lost(exc)
            return answer(*args, **kwargs)
        _outage.reached()
        return result

    return wrapper


TolerantRedisCache = type("TolerantRedisCache", (RedisCache,),
                          {name: _tolerant(name) for name in _WHILE_DOWN})
