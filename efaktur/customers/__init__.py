"""Customers: the buyers an invoice is made out to, kept once and chosen on New Invoice."""
