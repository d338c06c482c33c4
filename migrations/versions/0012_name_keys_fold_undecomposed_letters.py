"""Name keys: letters without a decomposition (ł, ø, đ, ı...) fold as accented ones do.

"Michał Nowak" had the key "nowak michał", so a search for "Michal" missed the record
and a second record for "Michal Nowak", born the same day, was not reported as a likely
duplicate. The keys of young people and of partner referrals' subjects are recomputed
with the letters folded. The rule is copied here as it stands at this revision, so that
the migration does what it did whatever the code later becomes.

Revision ID: 0012
Revises: 0011
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY_LENGTH = 200
UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "\u0131": "i", "ħ": "h", "ŧ": "t", "ð": "d", "þ": "th",
     "æ": "ae", "œ": "oe"}
)  # fmt: skip
# (table, id, first name, last name, key)
KEYED = (
    ("youths", "id", "first_name", "last_name", "name_key"),
    ("referrals", "id", "subject_first_name", "subject_last_name", "subject_name_key"),
)
BATCH = 5000


def _normalise(part, fold):
    text = part.casefold()
    if fold:
        text = text.translate(UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))


def _rekey(fold):
    connection = op.get_bind()
    for table, id_column, first, last, key in KEYED:
        t = sa.table(table, sa.column(id_column), sa.column(first), sa.column(last), sa.column(key))
        update = (
            sa.update(t)
            .where(t.c[id_column] == sa.bindparam("row_id"))
            .values({key: sa.bindparam("new_key")})
        )
        after = 0
        while True:  # in batches by id, so a million rows are never held at once
            rows = connection.execute(
                sa.select(t.c[id_column], t.c[first], t.c[last], t.c[key])
                .where(t.c[id_column] > after, t.c[last].is_not(None))
                .order_by(t.c[id_column])
                .limit(BATCH)
            ).all()
            if not rows:
                break
            after = rows[-1][0]
            changed = []
            for row_id, first_name, last_name, stored in rows:
                new = f"{_normalise(last_name, fold)} {_normalise(first_name or '', fold)}"
                if new[:KEY_LENGTH] != stored:
                    changed.append({"row_id": row_id, "new_key": new[:KEY_LENGTH]})
            if changed:
                connection.execute(update, changed)


def upgrade():
    _rekey(fold=True)


def downgrade():
    _rekey(fold=False)
