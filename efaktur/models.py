"""Imports every model so that Alembic and create_all() see the whole schema."""
from efaktur.activity.models import ActivityEntry  # noqa: F401
from efaktur.api.models import ApiToken, IdempotencyRecord  # noqa: F401
from efaktur.auth.models import EndedSession, LoginThrottle, User  # noqa: F401
from efaktur.customers.models import Customer  # noqa: F401
from efaktur.exports.models import PeriodTotal  # noqa: F401
from efaktur.files.models import CoretaxImport, EfakturFile, EfakturFileContent  # noqa: F401
from efaktur.invoices.models import CoretaxEvent, Invoice, InvoiceLine  # noqa: F401
from efaktur.numbers.models import NumberAssignment, NumberRange, ReleasedNumber  # noqa: F401
from efaktur.operations.models import BackupRecord, ProxyBypass  # noqa: F401
from efaktur.settings.models import CompanySettings, NotificationRecipient, ThresholdAlert  # noqa: F401
