"""The E-Faktur No page: ranges of tax-invoice numbers and the ledger of who holds which."""
