"""Flask-Caching on Redis (CACHE_TYPE when PORTAL_REDIS_URL is set) that takes an
unreachable Redis for an empty cache: a read misses, a write is not kept. Whatever is
cached can be computed again, so a Redis outage costs time, never an error page."""

from flask_caching.backends.rediscache import RedisCache

from portal.redis_outage import UNREACHABLE, Outage

_outage = Outage("cache", "every read misses")


class TolerantRedisCache(RedisCache):
    def _tolerant(self, while_down, operation, *args, **kwargs):
        try:
            result = operation(*args, **kwargs)
        except UNREACHABLE as exc:
            _outage.lost(exc)
            return while_down
        _outage.reached()
        return result

    def get(self, key):
        return self._tolerant(None, super().get, key)

    def get_many(self, *keys):
        return self._tolerant([None] * len(keys), super().get_many, *keys)

    def has(self, key):
        return self._tolerant(False, super().has, key)

    def set(self, key, value, timeout=None):
        return self._tolerant(False, super().set, key, value, timeout)

    def add(self, key, value, timeout=None):
        return self._tolerant(False, super().add, key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self._tolerant([], super().set_many, mapping, timeout)

    def delete(self, key):
        return self._tolerant(False, super().delete, key)

    def delete_many(self, *keys):
        return self._tolerant([], super().delete_many, *keys)

    def clear(self):
        return self._tolerant(False, super().clear)
