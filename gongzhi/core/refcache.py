"""Per-process caches of rows that are read on every submission and edited rarely (regions, categories, time
limits, the calendar's overrides, notice templates, webhook subscriptions; a user's roles and notice choices),
kept correct across processes and nodes by a stamp in the database.

Each scope has one `CacheStamp` row. Database triggers on every table a scope caches (migrations core 0005 and
appeals 0010) give the row a new random token in the statement that inserts, updates, deletes or truncates, however
the write is made (admin, ORM, bulk update, raw SQL); the token commits or rolls back with the edit. A cached value
remembers the token it was read under and is used only while the stamp still holds it. A random token, not a
counter: the token of a rolled-back edit never comes back, so it cannot name other rows later.

The stamp (all scopes, one small query on the primary) is read once per request (request_started begins a new
read) and at every use outside a request (tasks, commands, tests that call services directly). A save or delete of
a cached model in this process forgets the request's read, so a request sees its own edits. Values are read from
the primary, after the stamp: data at least as new as the token it is filed under. Cached model instances are
shared: callers must not change them.
"""

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

DB = DEFAULT_DB_ALIAS  # never a standby that may lag behind the stamp
REFERENCE, ROLES, PREFERENCES = "reference", "roles", "preferences"
SCOPES = (REFERENCE, ROLES, PREFERENCES)
MAX_ENTRIES = 20_000  # per scope; past it the scope starts empty again (users' entries grow with the users)

_local = threading.local()  # .tokens: {scope: token} read in this request, or None
_caches: dict[str, tuple[int, dict[Hashable, object]]] = {}  # scope → (token, {key: value})
_MISSING = object()


def _read_tokens() -> dict[str, int]:
    from .models import CacheStamp

    table = connections[DB].ops.quote_name(CacheStamp._meta.db_table)
    with connections[DB].cursor() as cursor:
        cursor.execute(f"SELECT scope, token FROM {table}")
        return dict(cursor.fetchall())


def token(scope: str) -> int | None:
    """The scope's current token; None when its stamp row is missing (then nothing is cached)."""
    tokens = getattr(_local, "tokens", None)
    if tokens is None:
        tokens = _read_tokens()
        if getattr(_local, "in_request", False):
            _local.tokens = tokens
    return tokens.get(scope)


def cached[T](scope: str, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or the value it gave under the scope's current token."""
    current = token(scope)
    if current is None:
        return load()
    entry = _caches.get(scope)
    if entry is None or entry[0] != current:
        entry = (current, {})
        _caches[scope] = entry
    values = entry[1]
    value = values.get(key, _MISSING)
    if value is _MISSING:
        value = load()
        if len(values) >= MAX_ENTRIES:
            values.clear()
        values[key] = value
    return cast(T, value)  # the value load() gave for this key


def forget() -> None:
    """Read the stamp again at the next use (this thread)."""
    _local.tokens = None


def clear() -> None:
    """Drop every cached value of this process (tests that change the database behind the triggers' back)."""
    _caches.clear()
    forget()


@contextmanager
def one_read() -> Iterator[None]:
    """Work outside a request that may read the stamp once, as a request does (a command's batch of steps, e.g.
    a chunk of the demo's replay); this process's own saves of cached models still forget the read."""
    before = getattr(_local, "in_request", False)
    _local.tokens, _local.in_request = None, True
    try:
        yield
    finally:
        _local.tokens, _local.in_request = None, before


def ensure_stamps(using: str = DB) -> None:
    """Give every scope its stamp row (after migrate, and after a flush emptied the table)."""
    from .models import CacheStamp

    for scope in SCOPES:
        CacheStamp.objects.using(using).get_or_create(scope=scope, defaults={"token": random_token()})
    forget()


def random_token() -> int:
    import secrets

    return secrets.randbits(62)


# ---------------------------------------------------------------- requests and this process's own edits


def _request_started(**kwargs: Any) -> None:
    _local.tokens = None
    _local.in_request = True


def _request_finished(**kwargs: Any) -> None:
    _local.tokens = None
    _local.in_request = False


def _edited(**kwargs: Any) -> None:
    forget()


def connect(models: Iterable[type[Model]]) -> None:
    """Called from CoreConfig.ready and the apps' ready() with the models whose edits the stamp tracks."""
    request_started.connect(_request_started, dispatch_uid="gongzhi.refcache.started")
    request_finished.connect(_request_finished, dispatch_uid="gongzhi.refcache.finished")
    for model in models:
        post_save.connect(_edited, sender=model, dispatch_uid=f"gongzhi.refcache.save.{model._meta.label}")
        post_delete.connect(
            _edited, sender=model, dispatch_uid=f"gongzhi.refcache.delete.{model._meta.label}"
        )
        m2m_changed.connect(_edited, sender=model, dispatch_uid=f"gongzhi.refcache.m2m.{model._meta.label}")


# ---------------------------------------------------------------- the triggers (used by migrations)


def create_triggers(schema_editor: BaseDatabaseSchemaEditor, table: str, scope: str) -> None:
    """Triggers on `table` that give `scope`'s stamp a new token on every write (SQLite and PostgreSQL)."""
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "sqlite":
        for op in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {quote(f'cachestamp_{table}_{op.lower()}')} AFTER {op} ON {quote(table)} "
                f"BEGIN UPDATE core_cachestamp SET token = random() WHERE scope = '{scope}'; END"
            )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION core_cachestamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE core_cachestamp SET token = (random() * 4.6e18)::bigint WHERE scope = TG_ARGV[0]; "
            "RETURN NULL; END $$"
        )
        for op, when in (("write", "INSERT OR UPDATE OR DELETE"), ("truncate", "TRUNCATE")):
            schema_editor.execute(
                f"CREATE TRIGGER {quote(f'cachestamp_{op}')} AFTER {when} ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION core_cachestamp_bump('{scope}')"
            )
    else:
        raise NotImplementedError(f"refcache has no triggers for {vendor}")


def drop_triggers(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "sqlite":
        for op in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(f'cachestamp_{table}_{op}')}")
    elif vendor == "postgresql":
        for op in ("write", "truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(f'cachestamp_{op}')} ON {quote(table)}")
