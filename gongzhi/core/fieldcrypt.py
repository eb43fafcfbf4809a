"""Personal data encrypted at rest (个人信息保护法 第51条, 等保 2.0 数据保密性): phone and ID numbers.

A value is stored as `gz1$<key id>$<base64(nonce | AES-256-GCM ciphertext and tag)>`, the model's label and the
field's name bound in as associated data, so a ciphertext copied to another column does not decrypt. The keys
come from the environment, never from the database: `GONGZHI_FIELD_KEYS` is a key ring, `id:base64-key` entries
separated by commas, the newest first; the newest encrypts and every key decrypts, and
`gongzhi rotate_field_keys` re-encrypts what an older key sealed.

AES-GCM is randomised, so equal numbers never look equal in the database. Exact lookups go through a blind
index: a sibling column holding HMAC-SHA256 of the normalised value under `GONGZHI_BLIND_INDEX_KEY` (a key of
its own that does not rotate with the ring). `EncryptedCharField(blind_index="phone_bidx")` with
`phone_bidx = BlindIndexField(source="phone")`, and `filter(phone=...)` / `filter(phone__in=...)` then query the
index column; other lookups (contains, ordering by the clear value) are refused, as they cannot work.

Models with encrypted fields inherit `EncryptedFieldsMixin`, so that `save(update_fields=["phone"])` also
writes its index. `QuerySet.update(phone=...)` cannot know: pass the index too (`index_values`).

Without keys (development, tests) both are derived from the secret key; `check --deploy` refuses that.
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull

from .conf import setting

PREFIX = "gz1$"
DERIVED_KEY_ID = "dev"


class DecryptionError(ValueError):
    """A stored value no configured key opens (a key missing from the ring, or a tampered value)."""


def _b64(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derived(label: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), label, hashlib.sha256).digest()


def parse_key_ring(configured: str) -> list[tuple[str, bytes]]:
    """`id:base64key,id:base64key` (newest first) → [(id, 32-byte key)]; a malformed ring is a configuration error."""
    ring = []
    for entry in (part.strip() for part in configured.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        try:
            key = _b64(encoded) if sep else b""
        except ValueError:
            key = b""
        if not key_id or "$" in key_id or len(key) != 32:
            raise ImproperlyConfigured(
                "GONGZHI_FIELD_KEYS: each entry is id:base64-of-32-random-bytes, newest first, e.g. "
                "k2026:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
            )
        ring.append((key_id, key))
    return ring


@lru_cache(maxsize=8)
def _ring(configured: str, secret: str) -> tuple[tuple[str, bytes], ...]:
    ring = parse_key_ring(configured)
    return tuple(ring) if ring else ((DERIVED_KEY_ID, _derived(b"gongzhi.fields.v1")),)


def key_ring() -> tuple[tuple[str, bytes], ...]:
    return _ring(setting("FIELD_KEYS"), settings.SECRET_KEY)


def current_key_id() -> str:
    return key_ring()[0][0]


@lru_cache(maxsize=8)
def _index_key(configured: str, secret: str) -> bytes:
    if configured:
        key = _b64(configured)
        if len(key) < 32:
            raise ImproperlyConfigured("GONGZHI_BLIND_INDEX_KEY: base64 of at least 32 random bytes.")
        return key
    return _derived(b"gongzhi.blind-index.v1")


def normalise(value: str) -> str:
    """What makes two numbers the same for lookup: no spaces or hyphens, upper case (an ID number's X)."""
    return "".join(str(value).split()).replace("-", "").upper()


def blind_index(value):
    """The index of a clear value: None and "" stay themselves (no number), else 32 bytes of HMAC in hex."""
    if value is None or value == "":
        return value
    key = _index_key(setting("BLIND_INDEX_KEY"), settings.SECRET_KEY)
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    return value.split("$", 2)[1] if is_encrypted(value) else ""


def encrypt(plain: str, context: str) -> str:
    key_id, key = key_ring()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain.encode(), context.encode())
    return f"{PREFIX}{key_id}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(stored: str, context: str) -> str:
    if not is_encrypted(stored):
        return stored  # a value written before encryption (the migration seals them all) or empty
    try:
        _prefix, key_id, payload = stored.split("$", 2)
        key = dict(key_ring())[key_id]
        raw = _b64(payload)
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except KeyError as exc:
        raise DecryptionError(f"no key {key_id!r} in GONGZHI_FIELD_KEYS for {context}") from exc
    except Exception as exc:  # InvalidTag, bad base64: tampered or a wrong key under the same id
        raise DecryptionError(f"a value of {context} does not decrypt") from exc


class EncryptedCharField(models.CharField):
    """A CharField whose column holds AES-GCM ciphertext (a text column; `max_length` bounds the clear value).
    `blind_index` names the sibling BlindIndexField that exact lookups use."""

    description = "Encrypted text (AES-GCM) with a blind index"

    def __init__(self, *args, blind_index: str = "", **kwargs):
        self.blind_index = blind_index
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        return name, path, args, kwargs

    def db_type(self, connection):
        return connection.data_types["TextField"] % {}

    def cast_db_type(self, connection):
        return self.db_type(connection)

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, self.context)

    def to_python(self, value):
        if is_encrypted(value):
            return decrypt(value, self.context)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or is_encrypted(value):
            return value
        return encrypt(str(value), self.context)

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in") and self.blind_index:
            return {"exact": BlindExact, "in": BlindIn}[lookup_name]
        if lookup_name == "isnull":
            return IsNull
        return None  # FieldError: "Unsupported lookup …": a partial match cannot work on ciphertext

    def get_transform(self, lookup_name):
        return None

    def seal(self, value):
        """The stored form of a clear value (for writers that bypass the ORM, e.g. the importer's COPY)."""
        return self.get_prep_value(value)


class BlindIndexField(models.CharField):
    """The HMAC index of an encrypted sibling (`source`), kept by `pre_save`; never edited, never shown."""

    description = "Blind index of an encrypted field"

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source))
        if value == "" and self.null and self.unique:
            value = None
        setattr(model_instance, self.attname, value)
        return value


def _index_column(col):
    field = getattr(col, "target", None)
    if not isinstance(col, Col) or not isinstance(field, EncryptedCharField):
        raise FieldError("an encrypted field is looked up only by its own column")
    sibling = field.model._meta.get_field(field.blind_index)
    return Col(col.alias, sibling)


def _index_value(value):
    if hasattr(value, "resolve_expression"):
        raise FieldError("an encrypted field is compared only with values (its blind index), not expressions")
    return blind_index(value)


class BlindExact(Exact):
    prepare_rhs = False

    def get_prep_lookup(self):
        return _index_value(self.rhs)

    def process_lhs(self, compiler, connection, lhs=None):
        return super().process_lhs(compiler, connection, _index_column(lhs or self.lhs))


class BlindIn(In):
    prepare_rhs = False

    def get_prep_lookup(self):
        return [_index_value(value) for value in self.rhs]

    def process_lhs(self, compiler, connection, lhs=None):
        return super().process_lhs(compiler, connection, _index_column(lhs or self.lhs))


def encrypted_fields(model) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def index_values(model, **clear) -> dict:
    """For `QuerySet.update(...)`: the encrypted fields' values with their blind indexes added."""
    out = dict(clear)
    for name, value in clear.items():
        field = model._meta.get_field(name)
        if isinstance(field, EncryptedCharField) and field.blind_index:
            out[field.blind_index] = blind_index(value)
    return out


class EncryptedFieldsMixin:
    """`save(update_fields=[...])` writes the blind index of every encrypted field it writes."""

    def save(self, *args: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
        if update_fields is not None:
            names = set(update_fields)
            for field in encrypted_fields(type(self)):
                if field.name in names and field.blind_index:
                    names.add(field.blind_index)
            update_fields = names
        # A mixin of models only: super() is the model class, which mypy cannot see from here.
        return super().save(*args, update_fields=update_fields, **kwargs)  # type: ignore[misc]


def reseal_rows(
    model, names: list[str], connection, *, batch: int = 1000, clear: bool = False, progress=None
) -> int:
    """Rewrite the stored values of `names` on every row of `model`, in primary-key batches, straight through the
    connection (what is stored, not what the ORM makes of it): values in clear text or under an older key are
    sealed under the newest key and their blind indexes written; `clear=True` writes them back in clear text (a
    migration undone). Resumable: a row already in the wanted form is not written, so a run stopped half way is
    simply run again. Returns the number of rows written."""
    fields = [model._meta.get_field(name) for name in names]
    table, pk = connection.ops.quote_name(model._meta.db_table), model._meta.pk
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    current = f"{PREFIX}{current_key_id()}$"
    written, last = 0, None
    while True:
        with connection.cursor() as cursor:
            where = f"WHERE {connection.ops.quote_name(pk.column)} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {connection.ops.quote_name(pk.column)}, {columns} FROM {table} {where}"
                f"ORDER BY {connection.ops.quote_name(pk.column)} LIMIT {int(batch)}",
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return written
        updates = []
        for row_pk, *stored in rows:
            sets: dict[str, object] = {}
            for field, value in zip(fields, stored, strict=True):
                if value in (None, ""):
                    continue
                context = f"{model._meta.label_lower}.{field.name}"
                if clear:
                    if is_encrypted(value):
                        sets[field.column] = decrypt(value, context)
                elif not value.startswith(current):
                    plain = decrypt(value, context)
                    sets[field.column] = encrypt(plain, context)
                    if field.blind_index:
                        sets[model._meta.get_field(field.blind_index).column] = blind_index(plain)
            if sets:
                updates.append((row_pk, sets))
        with connection.cursor() as cursor:
            for row_pk, sets in updates:
                assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in sets)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name(pk.column)} = %s",
                    [*sets.values(), row_pk],
                )
        written += len(updates)
        last = rows[-1][0]
        if progress:
            progress(model, last, written)


def sealing(label: str, *names: str):
    """A migration's RunPython pair that seals a model's existing clear values (and fills their blind indexes),
    or, undone, writes them back in clear text."""

    def forward(apps, schema_editor):
        reseal_rows(apps.get_model(label), list(names), schema_editor.connection)

    def backward(apps, schema_editor):
        reseal_rows(apps.get_model(label), list(names), schema_editor.connection, clear=True)

    return forward, backward


def models_with_encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    return [
        (model, [f.name for f in encrypted_fields(model)])
        for model in apps.get_models()
        if encrypted_fields(model)
    ]
