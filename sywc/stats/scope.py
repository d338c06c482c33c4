"""Whose figures a statistics request covers: boroughs, ward, and suppression."""

from __future__ import annotations

from dataclasses import dataclass

from config.reference import BOROUGH_CODES, borough_of_ward
from sywc.errors import PermissionDenied, ValidationFailed
from sywc.permissions import Permission
from sywc.security import Principal

# Counts from 1 to THRESHOLD - 1 are withheld from board members.
THRESHOLD = 5


@dataclass(frozen=True)
class Scope:
    """The boroughs (and ward) asked for, and the nodes suppression is computed over."""

    boroughs: tuple[str, ...]
    ward: str | None
    suppressed: bool
    # Node name -> its boroughs. Board figures are suppressed over every borough of the
    # deployment and all of them together, so that a figure withheld for one borough
    # cannot be recovered by subtracting published figures of other nodes; an aggregate
    # of some of them is summed from those (see `tables`).
    members: dict[str, tuple[str, ...]]

    @property
    def node(self) -> str:
        return "+".join(self.boroughs)

    @property
    def threshold(self) -> int | None:
        return THRESHOLD if self.suppressed else None

    @property
    def minimum(self) -> int:
        """The fewest children a share or median may summarise (1 when unsuppressed)."""
        return THRESHOLD if self.suppressed else 1

    @property
    def counted_boroughs(self) -> tuple[str, ...]:
        """Return the boroughs whose rows the queries must count."""
        return tuple(sorted({b for boroughs in self.members.values() for b in boroughs}))


def sees_unsuppressed(principal: Principal) -> bool:
    """Tell whether the caller sees exact small numbers (senior officers)."""
    return principal.can(Permission.STATS_UNSUPPRESSED)


def resolve_scope(principal: Principal, *, borough: str | None, ward: str | None) -> Scope:
    """Check the borough and ward asked for against the caller's boroughs."""
    mine = sorted(principal.boroughs)
    if borough is not None:
        if borough not in BOROUGH_CODES:
            raise ValidationFailed.field("borough", "Unknown borough.")
        if borough not in mine:
            raise PermissionDenied("You do not work in this borough.")
    if ward is not None:
        home = borough_of_ward(ward)
        if home is None:
            raise ValidationFailed.field("ward", "Unknown ward.")
        if (borough is not None and home != borough) or home not in mine:
            raise ValidationFailed.field("ward", "The ward is not in the borough asked for.")
        borough = home
    boroughs = (borough,) if borough else tuple(mine)
    if not boroughs:
        raise PermissionDenied("You work in no borough.")
    suppressed = not sees_unsuppressed(principal)
    if suppressed and ward is not None:
        # Ward slices of every cohort table, set against the borough's own tables,
        # would give back withheld counts by subtraction; board members get wards
        # as the by-ward tables of whole boroughs.
        raise PermissionDenied("Board statistics are not cut by ward; see the by-ward tables.")
    return Scope(boroughs, ward, suppressed, _members(boroughs, suppressed))


def _members(boroughs: tuple[str, ...], suppressed: bool) -> dict[str, tuple[str, ...]]:
    requested = "+".join(boroughs)
    if not suppressed:
        return {requested: boroughs}
    members: dict[str, tuple[str, ...]] = {code: (code,) for code in BOROUGH_CODES}
    members["+".join(sorted(BOROUGH_CODES))] = tuple(sorted(BOROUGH_CODES))
    members[requested] = boroughs
    return members
