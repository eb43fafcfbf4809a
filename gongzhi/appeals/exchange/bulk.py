"""Fast bulk inserts for the importer: COPY on PostgreSQL, one executemany on SQLite.

Django's `bulk_create` spends ~0.1 ms of Python per object preparing every field through the ORM compiler,
which alone caps an import of ~50-column appeals near 5,000 rows/s. Here each column's value is adapted
by one function chosen per field type once, ids are taken from the table's sequence before the insert (so the
appeals' numbers and their events' hash chains can be computed before anything is written), and the rows
go to the database in one COPY (PostgreSQL) or one executemany (SQLite). Every concrete field of the model
is written, with its default when the caller gives no value, so a field added to the model later is filled
as `bulk_create` would fill it. Rows come as dicts (`insert`) or, cheaper per row, as tuples in the order of
a list of attnames given once per batch (`insert_rows`): each row is then one list concatenation.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


class EncodedJson(str):
    """JSON text already encoded by the caller (e.g. the importer, which encodes an event's `after` once for its
    hash and its column): a JSONField adapter passes it through instead of encoding the value again."""


def _same(text: str) -> str:
    return text


class BulkInserter:
    def __init__(self, model: type[models.Model]):
        self.model = model
        self.table = model._meta.db_table
        self.pk = model._meta.pk
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [self.pk.column] + [f.column for f in self.fields]
        self.vendor = connection.vendor
        self.adapters = [self._adapter(f) for f in self.fields]
        self._types: dict[str, int] | None = None

    def _adapter(self, field):
        ops = connection.ops
        kind = field.get_internal_type()
        if kind == "JSONField":
            dumps = (field.encoder or DjangoJSONEncoder)(
                ensure_ascii=False
            ).encode  # one encoder for all rows
            if (
                self.vendor == "postgresql"
            ):  # binary COPY takes jsonb through psycopg's wrapper, encoded by ours
                from psycopg.types.json import Jsonb

                return lambda v: (
                    None if v is None else Jsonb(v, _same if v.__class__ is EncodedJson else dumps)
                )
            return lambda v: None if v is None else (str(v) if v.__class__ is EncodedJson else dumps(v))
        if (
            kind == "DecimalField" and self.vendor != "postgresql"
        ):  # PostgreSQL's adapter returns the value as is
            return lambda v: (
                None if v is None else ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
            )
        if self.vendor == "sqlite" and kind == "DateTimeField":
            return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
        return None

    def defaults(self) -> dict:
        """attname → default, evaluated once per batch (a callable default such as timezone.now included)."""
        return {f.attname: f.get_default() for f in self.fields}

    def allocate_ids(self, n: int) -> list[int]:
        if n == 0:
            return []
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":  # one array value: decoded in C, not n rows through Python
                cursor.execute(
                    "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)",
                    [self.table, self.pk.column, n],
                )
                return cursor.fetchone()[0]
            cursor.execute(f'SELECT COALESCE(MAX("{self.pk.column}"), 0) FROM "{self.table}"')
            top = cursor.fetchone()[0]
            if self.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + n + 1))

    def insert(self, ids: list[int], rows: list[dict]) -> None:
        """Insert rows (attname → value) with the given ids; missing attnames take the field's default."""
        if not rows:
            return
        names = [f.attname for f in self.fields]
        defaults = self.defaults()
        self.insert_rows(
            ids,
            names,
            [tuple(row.get(name, defaults[name]) for name in names) for row in rows],
            defaults=defaults,
        )

    def insert_rows(
        self, ids: list[int], names: list[str], rows: list[tuple], *, defaults: dict | None = None
    ) -> None:
        """Insert rows given as tuples of the attnames `names` (in that order), with the given ids; every other
        field takes its default (evaluated once for the batch)."""
        if not rows:
            return
        defaults = self.defaults() if defaults is None else defaults
        adapters = dict(zip([f.attname for f in self.fields], self.adapters, strict=True))
        given = set(names)
        rest = [f for f in self.fields if f.attname not in given]
        # The columns the caller leaves out hold the same value in every row: adapted once, appended as a list.
        tail = [
            adapters[f.attname](defaults[f.attname]) if adapters[f.attname] else defaults[f.attname]
            for f in rest
        ]
        adapted = [(i, adapters[name]) for i, name in enumerate(names, start=1) if adapters[name] is not None]
        columns = (
            [self.pk.column]
            + [self.model._meta.get_field(n).column for n in names]
            + [f.column for f in rest]
        )
        column_list = ", ".join(f'"{c}"' for c in columns)
        values = []
        append = values.append
        for pk, row in zip(ids, rows, strict=True):
            out = [pk, *row, *tail]
            for i, adapt in adapted:
                out[i] = adapt(out[i])
            append(out)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # Binary COPY: the server takes each value as is, without parsing its text (timestamps, numbers).
                types = self._pg_types(cursor, columns)  # before the COPY: the connection is busy during it
                with cursor.cursor.copy(
                    f'COPY "{self.table}" ({column_list}) FROM STDIN (FORMAT BINARY)'
                ) as copy:
                    copy.set_types(types)
                    write_row = copy.write_row
                    for out in values:
                        write_row(out)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{self.table}" ({column_list}) VALUES ({marks})', values)

    def _pg_types(self, cursor, columns: list[str]) -> list[int]:
        """The PostgreSQL type oid of each column, as binary COPY needs them (read from the catalogue once)."""
        if self._types is None:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [f'"{self.table}"'],
            )
            self._types = dict(cursor.fetchall())
        return [self._types[c] for c in columns]

    def select_in(self, columns: list[str], field: str, values: list, **equal) -> list[tuple]:
        """SELECT columns FROM the table WHERE field IN values AND every `equal` column = its value, in one
        query on PostgreSQL (`= ANY(array)`: one parameter however many values) and in chunks elsewhere."""
        if not values:
            return []
        names = ", ".join(f'"{self.model._meta.get_field(c).column}"' for c in columns)
        where = "".join(f' AND "{self.model._meta.get_field(k).column}" = %s' for k in equal)
        column = self.model._meta.get_field(field).column
        found = []
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    f'SELECT {names} FROM "{self.table}" WHERE "{column}" = ANY(%s){where}',
                    [list(values), *equal.values()],
                )
                return cursor.fetchall()
            for start in range(0, len(values), 500):
                chunk = list(values[start : start + 500])
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f'SELECT {names} FROM "{self.table}" WHERE "{column}" IN ({marks}){where}',
                    [*chunk, *equal.values()],
                )
                found.extend(cursor.fetchall())
        return found
