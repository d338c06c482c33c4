from tests.partners.helpers import make_partner  # noqa: F401
