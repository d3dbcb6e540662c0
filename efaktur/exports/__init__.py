"""Export CSV tab: invoices leave the app in the tax office's import formats."""
