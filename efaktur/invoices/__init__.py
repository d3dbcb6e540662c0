"""Invoices, and giving them E-Faktur numbers."""
