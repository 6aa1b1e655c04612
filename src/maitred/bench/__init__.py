"""Benchmarks behind ``maitred bench ...``: each module measures one thing and reports it."""
