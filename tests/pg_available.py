"""Exit 0 when the PostgreSQL server named on the command line answers, else 1."""

import sys

import psycopg
import sqlalchemy as sa


def main(url: str) -> int:
    parsed = sa.make_url(url)
    try:
        with psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database or "postgres",
            connect_timeout=3,
        ):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
