"""Billing Settings (company, notification e-mails) and the threshold alert."""
