"""On PostgreSQL the database itself refuses UPDATE and DELETE of time-bank entries (a queryset .update() or raw
SQL would bypass the model's refusal). TRUNCATE, used by test flushes, fires no row triggers. SQLite keeps the
model-level refusal only: Django's test flush there deletes rows one table at a time."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION community_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'time-bank ledger entries are append-only; post a correction instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER community_ledgerentry_append_only BEFORE UPDATE OR DELETE ON community_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION community_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS community_ledgerentry_append_only ON community_ledgerentry;
DROP FUNCTION IF EXISTS community_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
