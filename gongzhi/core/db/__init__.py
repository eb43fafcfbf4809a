"""Database plumbing: the SQLite engine with a kernel writer queue (`sqlite`), the read-replica router (`router`),
the pooled-connection check (`pool`) and the one-parameter id-list lookup (`lookups`)."""
