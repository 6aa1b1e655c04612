"""The worker: PostgreSQL-backed jobs (procrastinate) that run the pipeline's services.

:mod:`maitred.worker.jobs` defines the jobs, each a thin call into one service;
:mod:`maitred.worker.runner` builds the procrastinate app over a database and runs a
worker, in its own process (``maitred worker``) or in a thread of ``maitred serve``.
"""
