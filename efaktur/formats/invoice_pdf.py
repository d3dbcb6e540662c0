"""The printable invoice as a PDF (fpdf2, pure Python). Pure: no Flask, no database; fed the document
that invoices/printing.py builds, in the customer's language.

Text goes in a Unicode TrueType font when one is found (DejaVu Sans, Debian's fonts-dejavu-core, or the
path in `font`), so any name prints as typed; without one, the PDF's own Helvetica, which holds Latin-1:
a character outside it prints as its closest Latin-1 letter or "?" (the Print page shows everything).
"""
import os
import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
BOLD_SUFFIX = "-Bold"


def _font_path(font: str | None) -> str | None:
    for path in ((font,) if font else ()) + FONT_CANDIDATES:
        if path and os.path.isfile(path):
            return path
    return None


def _latin1(text: str) -> str:
    if all(ord(c) < 256 for c in text):
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c if ord(c) < 256 else ("" if unicodedata.combining(c) else "?") for c in folded)


class _Writer:
    def __init__(self, font: str | None):
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_margins(15, 15, 15)
        path = _font_path(font)
        if path:
            bold = path.replace(".ttf", BOLD_SUFFIX + ".ttf")
            self.pdf.add_font("Body", "", path)
            self.pdf.add_font("Body", "B", bold if os.path.isfile(bold) else path)
            self.family, self.clean = "Body", (lambda text: text)
        else:
            self.family, self.clean = "Helvetica", _latin1
        self.pdf.add_page()

    def text(self, value: str, size: float = 10, bold: bool = False, height: float = 5, width: float = 0,
             align: str = "L"):
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(width, height, self.clean(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def invoice_pdf(document, font: str | None = None) -> bytes:
    """The document (a printing.PrintedInvoice) as PDF bytes."""
    w = _Writer(font)
    pdf = w.pdf
    pdf.set_title(w.clean(document.title))
    pdf.set_lang(document.language)
    w.text(document.seller[0], size=14, bold=True, height=7)
    for line in document.seller[1:]:
        w.text(line, size=9)
    pdf.ln(4)
    w.text(document.title, size=16, bold=True, height=8)
    pdf.ln(1)
    for label, value in document.facts:
        pdf.set_font(w.family, "", 9)
        pdf.cell(45, 5, w.clean(label))
        pdf.set_font(w.family, "B", 9)
        pdf.multi_cell(0, 5, w.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    w.text(document.buyer_heading, size=10, bold=True)
    for label, value in document.buyer:
        pdf.set_font(w.family, "", 9)
        pdf.cell(45, 5, w.clean(label))
        pdf.multi_cell(0, 5, w.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(w.family, "", 8)
    widths = (8, 58, 15, 14, 16, 23, 20, 26)
    aligns = tuple("RIGHT" if i in (3, 5, 6, 7) else "LEFT" for i in range(len(widths)))
    with pdf.table(col_widths=widths, text_align=aligns, line_height=4.5, first_row_as_headings=True) as table:
        table.row([w.clean(c) for c in document.columns])
        for row in document.rows:
            table.row([w.clean(c) for c in row])
    pdf.ln(3)
    for position, (label, value) in enumerate(document.totals):
        last = position == len(document.totals) - 1
        pdf.set_font(w.family, "B" if last else "", 10 if last else 9)
        pdf.set_x(pdf.l_margin + 90)
        pdf.cell(55, 6 if last else 5, w.clean(label))
        pdf.cell(35, 6 if last else 5, w.clean(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if document.notes:
        pdf.ln(2)
        for note in document.notes:
            w.text(note, size=8)
    return bytes(pdf.output())
