"""The htmx events the views send in HX-Trigger, and that the templates listen for
(`hx-trigger="<name> from:body"`): one list, so no view imports another for a name."""

INVOICES_CHANGED = "invoicesChanged"  # an invoice, its status or its number changed: the Invoices list reloads
CUSTOMERS_CHANGED = "customersChanged"  # a customer was added or edited: the Customers list reloads
NUMBERS_CHANGED = "numbersChanged"  # the ledger changed: the E-Faktur No page's overview reloads
EXPORTS_CHANGED = "exportsChanged"  # an export marked invoices Exported: the Export tab reloads
FILES_CHANGED = "filesChanged"  # a file was stored, sent or removed: the E-Faktur Files table reloads
TOKENS_CHANGED = "tokensChanged"  # an API token was made or revoked
USERS_CHANGED = "usersChanged"  # a user was added, changed or deactivated
THRESHOLD_SAVED = "thresholdSaved"  # the threshold modal saved: it closes, the overview reloads
LOGGED_IN = "loggedIn"  # the login pop-up logged the user in again: the page takes the new CSRF token, resends
