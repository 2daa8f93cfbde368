"""The version stamps mirrored in Redis: a cached page costs no database query, and the
mirror never shows a number older than the last committed change for longer than
STAMP_MIRROR_SECONDS (and then only if the announcement to Redis was lost).

These tests commit for real (a transactional database), since the mirror is filled only
outside transactions and announced on commit. They need Redis: they run when REDIS_URL
and DATABASE_URL point at Redis and PostgreSQL (CI's second run does; SQLite is not
mirrored).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from core import stamps
from glossary.models import Term

SEED_SLUG = "resistance-training-neurological-benefits"
SEED_TERM = f"/glossary/{SEED_SLUG}/"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not stamps.mirrored(),
        reason="Redis with PostgreSQL: runs when REDIS_URL and a PostgreSQL DATABASE_URL "
        "are set (CI's second run)",
    ),
]


def mirrored(key: str) -> int | None:
    """The number the mirror holds for a stamp, or None."""
    (text,) = cache.mirror_get([stamps.MIRROR_PREFIX + key])
    return None if text is None else int(text.split("|")[0])


def committed(key: str) -> int:
    return stamps.read(key)[key]


def test_a_cached_page_is_served_without_any_database_query(seed, django_assert_num_queries):
    Client().get(SEED_TERM)  # stored; the stamps read from the database fill the mirror
    with django_assert_num_queries(0):
        hit = Client().get(SEED_TERM)
    assert hit["X-Page-Cache"] == "hit"


def test_an_edit_is_seen_on_the_very_next_request(seed):
    Client().get(SEED_TERM)
    assert Client().get(SEED_TERM)["X-Page-Cache"] == "hit"
    term = Term.objects.get(slug=SEED_SLUG)
    term.summary = "A lead written after the page was cached."
    term.save()
    assert mirrored(stamps.CONTENT) == committed(stamps.CONTENT)  # announced on commit
    page = Client().get(SEED_TERM)
    assert b"A lead written after the page was cached." in page.content


def test_a_reader_that_read_before_a_commit_cannot_put_the_old_number_back(seed):
    before = stamps.tokens(stamps.CONTENT)  # read, then the writer commits
    stamps.bump(stamps.CONTENT)
    cache.mirror_offer(
        [(stamps.MIRROR_PREFIX + stamps.CONTENT, before[stamps.CONTENT][0], "stale|")], 60
    )
    assert mirrored(stamps.CONTENT) == committed(stamps.CONTENT)
    assert stamps.tokens(stamps.CONTENT)[stamps.CONTENT][0] == committed(stamps.CONTENT)


def test_a_rolled_back_change_never_reaches_the_mirror(seed):
    stamps.tokens(*stamps.ALL_KEYS)
    number = committed(stamps.CONTENT)
    with pytest.raises(RuntimeError), transaction.atomic():
        stamps.bump(stamps.CONTENT)
        # Inside the transaction its own number counts, read from the database.
        assert stamps.tokens(stamps.CONTENT)[stamps.CONTENT][0] == number + 1
        raise RuntimeError("roll back")
    assert mirrored(stamps.CONTENT) in (None, number)
    assert stamps.tokens(stamps.CONTENT)[stamps.CONTENT][0] == number
    assert mirrored(stamps.CONTENT) == number


def test_a_lost_announcement_lives_at_most_the_configured_seconds(seed):
    stamps.tokens(*stamps.ALL_KEYS)
    client = cache._cache.get_client()
    for key in stamps.ALL_KEYS:
        lifetime = client.ttl(cache.make_key(stamps.MIRROR_PREFIX + key))
        assert 0 < lifetime <= settings.STAMP_MIRROR_SECONDS, key


def test_a_mirror_holding_garbage_is_ignored(seed):
    stamps.tokens(*stamps.ALL_KEYS)
    cache._cache.get_client().set(cache.make_key(stamps.MIRROR_PREFIX + stamps.CONTENT), "x|y")
    assert stamps.tokens(stamps.CONTENT)[stamps.CONTENT][0] == committed(stamps.CONTENT)
    assert mirrored(stamps.CONTENT) == committed(stamps.CONTENT)  # and put right


def test_a_connection_redis_closed_is_replaced_without_a_miss(seed):
    """The mirror is read over a connection each process holds; when Redis drops it
    (a restart, an idle timeout), the next read opens a new one instead of failing."""
    stamps.tokens(*stamps.ALL_KEYS)
    assert mirrored(stamps.CONTENT) == committed(stamps.CONTENT)
    held_address = "{}:{}".format(*cache._held.connection._sock.getsockname()[:2])
    killed = cache._cache.get_client(write=True).client_kill(held_address)
    assert killed
    assert mirrored(stamps.CONTENT) == committed(stamps.CONTENT)
    assert not cache.is_down


def test_redis_answering_nothing_makes_the_stamps_come_from_the_database(seed):
    stamps.tokens(*stamps.ALL_KEYS)
    cache._held.connection.disconnect()
    cache._held.connection.port = 1  # nothing listens where it connects again
    try:
        assert stamps.tokens(stamps.CONTENT)[stamps.CONTENT][0] == committed(stamps.CONTENT)
        assert cache.is_down
    finally:
        cache._held.pid = None  # the next read opens a proper connection
        from core.cache import _down_until

        _down_until.clear()
