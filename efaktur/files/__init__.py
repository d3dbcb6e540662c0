"""E-Faktur Files tab: the approved PDFs, reported invoices, e-mails to customers."""
