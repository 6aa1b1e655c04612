"""The store: PostgreSQL schema, migrations, repositories and the unit of work.

SQL lives here and only here (``queries/*.sql``, ``migrations/*.sql``). Entry points:

- :func:`maitred.store.server.running` / :class:`~maitred.store.server.EmbeddedServer`:
  where the database is (``DATABASE_URL`` or the embedded server);
- :func:`maitred.store.schema.migrate`: bring a database to the current schema;
- :class:`maitred.store.db.Database`: the pool, and ``db.uow()`` for one transaction
  whose repositories (``tx.restaurants``, ``tx.tables``, ``tx.bookings``,
  ``tx.allocations``, ``tx.events``...) share it.
"""
