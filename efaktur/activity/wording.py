"""The activity log in sentences, and its kinds. Pure: no Flask, no database.

Entries store who acted and what happened in a short summary that begins with a verb
("Assigned 010.000-26.00000006 to invoice INV-2026-000020."). The page reads them as
sentences: "sari@company.co.id generated 010.000-26.00000006 for INV-2026-000020."
"""
import re

# Kinds for the filter: the first part of the action, in the clerks' words.
KINDS = {
    "number": "E-Faktur numbers",
    "invoice": "Invoices",
    "range": "Tax number ranges",
    "export": "Exports",
    "files": "E-Faktur files and e-mails",
    "threshold": "Threshold and alerts",
    "recipient": "Notification addresses",
    "company": "Company details",
    "user": "Users",
    "token": "API tokens",
}

_ASSIGNED = re.compile(r"^Assigned (?P<no>\S+) to invoice (?P<invoice>.+)\.$")
_CHANGED = re.compile(r"^(?P<what>.+?): (?P<old>[^:]+) to (?P<new>[^:]+)\.$")  # "Invoice INV-1: Unpaid to Paid."
_THRESHOLD = re.compile(r"^Threshold Limit (?P<old>.+) changed to (?P<new>.+)\.$")
_STARTS_WITH_A_VERB = re.compile(r"^(Added|Assigned|Cancelled|Changed|Created|Deleted|Edited|Exported|Marked|Queued|Recorded|"
                                 r"Released|Removed|Reset|Revoked|Saved|Sent|Set|Updated|Uploaded|E-mailed|Activated|"
                                 r"Deactivated|Made|Gave|Turned|Cleared)\b")


def kind_of(action: str) -> str:
    return action.split(".", 1)[0]


def sentence(actor: str, action: str, summary: str) -> str:
    """Who did what, as one sentence."""
    summary = summary.strip()
    if match := _ASSIGNED.match(summary):
        return f"{actor} generated {match['no']} for {match['invoice']}."
    if match := _THRESHOLD.match(summary):
        return f"{actor} changed the Threshold Limit from {match['old']} to {match['new']}."
    if summary.startswith("Company details set to"):
        return f"{actor} set the company details to{summary[len('Company details set to'):]}"
    if _STARTS_WITH_A_VERB.match(summary):
        return f"{actor} {summary[0].lower()}{summary[1:]}"
    if summary.startswith(actor):
        return summary
    if action in ("invoice.status", "user.role") and (match := _CHANGED.match(summary)):
        what = match["what"]
        what = what[0].lower() + what[1:] if what.startswith("Invoice ") else f"the role of {what}"
        return f"{actor} changed {what} from {match['old']} to {match['new']}."
    return f"{summary} ({actor})"
