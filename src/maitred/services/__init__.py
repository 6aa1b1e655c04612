"""Use cases: each one short transaction that reads what it needs, asks the engine, writes.

Services take a unit of work (``with db.uow() as tx``) and plain values; they hold the
state machines and the rules about *when* something may change, while ``store/`` holds
the SQL and ``engine/`` the rules about *what* fits where.
"""
