"""Every blueprint of the API, registered in this order."""

from sywc.alerts.views import blp as alerts
from sywc.audit.views import blp as audit
from sywc.auth.views import blp as auth
from sywc.incidents.views import blp as incidents
from sywc.ops.views import blp as ops
from sywc.partners.views import blp as partners
from sywc.pvs.views import blp as pvs
from sywc.reference.views import blp as reference
from sywc.referrals.views import blp as referrals
from sywc.stats.views import blp as stats
from sywc.users.views import blp as users
from sywc.visits.views import blp as visits
from sywc.youths.views import blp as youths

BLUEPRINTS = (
    ops,
    auth,
    users,
    audit,
    reference,
    youths,
    visits,
    referrals,
    partners,
    incidents,
    pvs,
    alerts,
    stats,
)
