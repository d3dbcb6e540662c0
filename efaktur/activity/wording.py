"""The activity log in sentences, and its kinds. Pure: no Flask, no database.

Entries store who acted and what happened in a short summary that begins with a verb
("Assigned 010.000-26.00000006 to invoice INV-2026-000020."). The page reads them as
sentences: "sari@company.co.id generated 010.000-26.00000006 for INV-2026-000020."
"""
import json
import re

from efaktur.language.lang import N_, gettext

# Kinds for the filter: the first part of the action, in the clerks' words.
KINDS = {
    "number": N_("E-Faktur numbers"),
    "invoice": N_("Invoices"),
    "customer": N_("Customers"),
    "range": N_("Tax number ranges"),
    "export": N_("Exports"),
    "files": N_("E-Faktur files and e-mails"),
    "threshold": N_("Threshold and alerts"),
    "recipient": N_("Notification addresses"),
    "company": N_("Company details"),
    "user": N_("Users"),
    "token": N_("API tokens"),
}

_ASSIGNED = re.compile(r"^Assigned (?P<no>\S+) to invoice (?P<invoice>.+)\.$")
_CHANGED = re.compile(r"^(?P<what>.+?): (?P<old>[^:]+) to (?P<new>[^:]+)\.$")  # "Invoice INV-1: Unpaid to Paid."
_THRESHOLD = re.compile(r"^Threshold Limit (?P<old>.+) changed to (?P<new>.+)\.$")
_STARTS_WITH_A_VERB = re.compile(r"^(Added|Assigned|Cancelled|Changed|Created|Deleted|Edited|Exported|Marked|Queued|Recorded|"
                                 r"Recomputed|Released|Removed|Reset|Revoked|Saved|Sent|Set|Unlocked|Updated|Uploaded|E-mailed|Activated|"
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


def entry_sentence(entry, language: str = "en") -> str:
    """An entry as one sentence in the reader's language.

    English reads the stored summary (the way it always has); another language translates the
    entry's message with its values. Entries logged before messages were kept stay in English.
    """
    if language == "en" or not entry.message:
        return sentence(who(entry.actor), entry.action, entry.summary)
    try:
        params = json.loads(entry.params or "{}")
        what = gettext(entry.message, **params)
    except (ValueError, TypeError, KeyError):
        return sentence(entry.actor, entry.action, entry.summary)
    if _STARTS_WITH_A_VERB.match(entry.message):
        return f"{who(entry.actor)} {what[0].lower()}{what[1:]}"
    return gettext("%(what)s (%(who)s)", what=what.rstrip(), who=who(entry.actor))


SYSTEM = N_("system")  # who acted when no one was logged in (the command line, set-up)


def who(actor: str) -> str:
    """The actor as the reader says it: an e-mail address or token name as stored; "system" translated."""
    return gettext(SYSTEM) if actor == SYSTEM else actor
