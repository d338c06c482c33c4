"""Which accounts an admin administers: those of the boroughs the admin works in.

Every user works in one or more boroughs and sees only those, admins included. An admin
sees the accounts that work in one of their boroughs, and changes only those that work
in none other: a password reset or a change of role on an account that also works
elsewhere would hand the admin another borough's records. Nobody changes their own
role, agency, boroughs or active state; another admin does. The command line, which is
the operator of the deployment (`None` here), administers every account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sywc.errors import NotFound, PermissionDenied
from sywc.security import Principal

# What only another admin may change on one's own account.
_NOT_ON_ONESELF = ("role", "agency", "boroughs", "active")


def check_sees(admin: Principal | None, boroughs: Iterable[str], *, what: str) -> None:
    """404, as for any record the caller may not see, unless `admin` works in one of
    `boroughs`, those of the account or client."""
    if admin is not None and admin.boroughs.isdisjoint(boroughs):
        raise NotFound(f"No such {what}.")


def check_administers(
    admin: Principal | None, boroughs: Iterable[str], *, field: str | None = None
) -> None:
    """403 unless every one of `boroughs` is a borough `admin` works in.

    `field` names the request's field at fault when the boroughs are the ones asked for;
    without it, they are the ones the account or client already works in.
    """
    if admin is None:
        return
    beyond = sorted(set(boroughs) - admin.boroughs)
    if not beyond:
        return
    if field is not None:
        message = f"You administer only {', '.join(sorted(admin.boroughs))}."
        raise PermissionDenied(
            f"You may not give access to {', '.join(beyond)}.", errors={field: [message]}
        )
    raise PermissionDenied(
        f"This also works in {', '.join(beyond)}, which you do not administer; "
        "an admin of every borough it works in must change it."
    )


def check_may_change(
    admin: Principal | None, boroughs: Iterable[str], changes: Mapping[str, Any]
) -> None:
    """403 unless `admin` administers every borough the account or client works in
    (`boroughs`) and every one the `changes` would give it."""
    check_administers(admin, boroughs)
    check_administers(admin, changes.get("boroughs", ()), field="boroughs")


def check_not_oneself(admin: Principal | None, user_id: int, changes: Iterable[str]) -> None:
    """403 when an admin changes their own role, agency, boroughs or active state."""
    if admin is None or admin.user_id != user_id:
        return
    own = sorted(set(changes) & set(_NOT_ON_ONESELF))
    if own:
        raise PermissionDenied(
            "Another admin must change your own role, agency, boroughs or active state.",
            errors={key: ["Not on your own account."] for key in own},
        )
