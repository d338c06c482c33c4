"""The London-scale benchmark: `python -m tests.benchmarks.run` (`make bench`).

Not part of the test suite (pyproject's `norecursedirs` excludes this folder). For each
scale it builds a fresh PostgreSQL database with the demo data, serves the API with
gunicorn, drives it from a multiprocess load generator, and measures each endpoint
beside its floors: the same SQL replayed with bare psycopg, and a minimal Flask app
returning the same rows from raw SQL under the same gunicorn settings.
"""
