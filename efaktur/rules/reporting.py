"""Which way a company reports its invoices to DJP (Billing Settings' Reporting route). Pure: no Flask.

- desktop: e-Faktur Client Desktop. The company numbers its invoices from the NSFP ranges it requests in
  e-Nofa (Generate E-Faktur No) and imports the desktop CSV.
- coretax: Coretax alone (every company registered since 1 January 2025, and most others by choice). No range,
  ever: the company exports the XML, and DJP numbers each invoice when it approves it; the number and state
  come back through Coretax's output-tax list and PDFs.
- both: each invoice goes one way, by its number: numbered from a range to the desktop CSV, without one to the
  Coretax XML.
"""
from efaktur.language.lang import N_

DESKTOP, CORETAX, BOTH = "desktop", "coretax", "both"
ROUTES = {
    CORETAX: N_("Coretax: export XML, DJP numbers the invoices (no ranges)"),
    DESKTOP: N_("e-Faktur desktop: NSFP ranges, Generate E-Faktur No and the import CSV"),
    BOTH: N_("Both: range-numbered invoices as CSV, the others as Coretax XML"),
}
SHORT_LABELS = {CORETAX: N_("Coretax"), DESKTOP: N_("e-Faktur desktop"), BOTH: N_("Coretax and e-Faktur desktop")}
DEFAULT = BOTH
THRESHOLD_NOT_APPLIED = N_("The threshold alert does not apply: this company reports through Coretax (Billing "
                           "Settings), where DJP numbers each invoice when it approves it, so there are no range "
                           "numbers to run out of.")


def uses_ranges(route: str) -> bool:
    """Whether the company numbers invoices from NSFP ranges (Generate, the threshold alert, the CSV)."""
    return route != CORETAX


def uses_coretax(route: str) -> bool:
    """Whether the company sends invoices without a range number to Coretax as XML."""
    return route != DESKTOP


# Which file an invoice belongs to (the Export tab's File column).
CSV_FILE, XML_FILE, CSV_AFTER_GENERATE, XML_OR_CSV, IN_CORETAX, NO_FILE = (
    "csv", "xml", "csv_after_generate", "xml_or_csv", "in_coretax", "none")
FILE_LABELS = {
    CSV_FILE: N_("e-Faktur CSV"),
    XML_FILE: N_("Coretax XML"),
    CSV_AFTER_GENERATE: N_("e-Faktur CSV, after Generate"),
    XML_OR_CSV: N_("Coretax XML (or CSV after Generate)"),
    IN_CORETAX: N_("In Coretax already"),
    NO_FILE: N_("None (cancelled)"),
}


def file_for(route: str, *, cancelled: bool, holds_range_number: bool, in_coretax: bool, before_coretax: bool,
             coretax_only_code: bool) -> str:
    """Each invoice goes one way: numbered from a range to the desktop CSV, without one to the Coretax XML
    (before 2025 there was no Coretax; code 10 exists only there)."""
    if in_coretax:
        return IN_CORETAX
    if cancelled:
        return NO_FILE
    if holds_range_number:
        return CSV_FILE
    if before_coretax:
        return CSV_AFTER_GENERATE
    if coretax_only_code or route == CORETAX:
        return XML_FILE
    return CSV_AFTER_GENERATE if route == DESKTOP else XML_OR_CSV
