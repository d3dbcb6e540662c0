"""Imports every model so that Alembic and create_all() see the whole schema."""
from .activity.models import ActivityEntry  # noqa: F401
from .api.models import ApiToken, IdempotencyRecord  # noqa: F401
from .auth.models import LoginThrottle, User  # noqa: F401
from .files.models import CoretaxImport, EfakturFile, EfakturFileContent  # noqa: F401
from .invoices.models import CoretaxEvent, Invoice, InvoiceLine  # noqa: F401
from .numbers.models import NumberAssignment, NumberRange, ReleasedNumber  # noqa: F401
from .operations.models import BackupRecord, ProxyBypass  # noqa: F401
from .settings.models import CompanySettings, NotificationRecipient, ThresholdAlert  # noqa: F401
