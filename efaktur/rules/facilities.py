"""The facility codes of transaction codes 07 and 08: DJP's lists, versioned. Pure: no Flask.

Coretax refuses an invoice of code 07 (VAT not collected) or 08 (VAT exempt) without its
facility: `AddInfo`, "Keterangan Tambahan" (the purpose, `TD.005NN`), and `FacilityStamp`,
"Cap Fasilitas" (the legal basis printed on the invoice, `TD.011NN`). The two lists are
separate per transaction code: `TD.00501` is "untuk Kawasan Bebas" under 07 and "untuk BKP
dan JKP Tertentu" under 08. DJP pairs them by `NN` (its sample code-07 invoice has
`TD.00502` with `TD.01102`; Odoo and the Coretax simulators propose the stamp the same way),
so the stamp is proposed from the facility; the user may still choose another.

Sources (all copied in ../shared/reference/djp-code-tables.md, which names each):
- LIST 2026-01 (current): DJP's "Converter Excel to XML Coretax v1.6", template "Sample Faktur
  PK Template v.1.6.1.xlsx", sheets REF-KetTambahan and REF-CapFasilitas
  (pajak.go.id/sites/default/files/2026-01/ConverterEfakturCoretax__v1.6.zip, page
  pajak.go.id/en/node/112031 of 23 January 2026); for code 07 as Odoo master reads them
  after PR 281096 (DJP published the new 07 options on 26 January 2026).
- LIST 2025: the Coretax launch template (one REF sheet), as Odoo's and agile-technica's
  copies hold it. That sheet had the purpose and legal-basis texts under each other's
  headings; the codes did not change, so `TD.005NN` always goes to AddInfo and `TD.011NN`
  to FacilityStamp. Only the texts of 07/13, 07/24 and 07/27 changed in 2026, and 07/28 to
  07/31 are new; both versions are kept below.

The texts are DJP's, as written (match on the code, never on the text). The English ones
are ours, for the English interface. Coretax checks a code against its current list, so
the app offers and accepts the current version's codes whatever the invoice's date.

The desktop CSV's ID_KETERANGAN_TAMBAHAN has no published list: desktop e-Faktur downloads
its own from DJP. It is taken as NN without its leading zero (Odoo writes 1 for 07; a
desktop-era form numbers the 07 purposes 1-11 with exactly Coretax's texts), see
`desktop_additional_info`.
"""
from dataclasses import dataclass

from efaktur.language.lang import gettext
from efaktur.rules.text import text_problem

LIST_2025 = "2025"
LIST_2026_01 = "2026-01"
CURRENT_LIST = LIST_2026_01
LIST_SOURCES = {
    LIST_2026_01: "DJP Converter Excel to XML Coretax v1.6, Sample Faktur PK Template v.1.6.1 (pajak.go.id/en/node/112031, 23 Jan 2026)",
    LIST_2025: "DJP Coretax import template, January 2025 (one REF sheet)",
}
FACILITY_CODES = ("07", "08")
ADD_INFO_PREFIX = "TD.005"
STAMP_PREFIX = "TD.011"
MAX_CUSTOM_DOC = 100


@dataclass(frozen=True)
class Entry:
    code: str  # TD.005NN or TD.011NN
    text: str  # DJP's text in the current list
    english: str  # ours
    since: str = LIST_2025  # the first list that has the code
    text_2025: str | None = None  # DJP's earlier text of the same code, where it changed

    @property
    def number(self) -> int:
        """NN: DJP's REF sheets write it before the text ("1 - untuk Kawasan Bebas")."""
        return int(self.code[-2:])

    def text_in(self, language: str) -> str:
        return self.text if language == "id" else self.english

    def label(self, language: str) -> str:
        return f"{self.code} - {self.text_in(language)}"


def _table(prefix: str, rows) -> dict[str, Entry]:
    table = {}
    for number, row in enumerate(rows, start=1):
        text, english, *rest = row
        since = rest[0] if rest else LIST_2025
        text_2025 = rest[1] if len(rest) > 1 else None
        code = f"{prefix}{number:02d}"
        table[code] = Entry(code, text, english, since, text_2025)
    return table


NEW_2026 = LIST_2026_01
# Keterangan Tambahan (the purpose), code 07.
_ADD_INFO_07 = _table(ADD_INFO_PREFIX, [
    ("untuk Kawasan Bebas", "for a free trade zone"),
    ("untuk Tempat Penimbunan Berikat", "for a bonded storage area"),
    ("untuk Hibah dan Bantuan Luar Negeri", "for foreign grants and aid"),
    ("untuk Avtur", "for aviation fuel (avtur)"),
    ("untuk Lainnya", "for other purposes"),
    ("untuk Kontraktor Perjanjian Karya Pengusahaan Pertambangan Batubara Generasi I",
     "for first-generation coal mining contract (PKP2B) contractors"),
    ("untuk Penyerahan bahan bakar minyak untuk Kapal Angkutan Laut Luar Negeri",
     "for the delivery of fuel oil to foreign sea transport vessels"),
    ("untuk Penyerahan jasa kena pajak terkait alat angkutan tertentu",
     "for the delivery of taxable services related to certain means of transport"),
    ("untuk Penyerahan BKP Tertentu di KEK", "for the delivery of certain taxable goods in a special economic zone (KEK)"),
    ("untuk BKP tertentu yang bersifat strategis berupa anode slime",
     "for certain strategic taxable goods: anode slime"),
    ("untuk Penyerahan alat angkutan tertentu dan/atau Jasa Kena Pajak terkait alat angkutan tertentu",
     "for the delivery of certain means of transport and/or taxable services related to them"),
    ("untuk Penyerahan kepada Kontraktor Kerja Sama Migas yang mengikuti ketentuan Peraturan Pemerintah Nomor 27 "
     "Tahun 2017", "for deliveries to oil and gas cooperation contractors under Government Regulation 27/2017"),
    ("Penyerahan Rumah Tapak dan Satuan Rumah Susun Rumah Susun Ditanggung Pemerintah Tahun Anggaran 2025",
     "delivery of landed houses and apartment units, VAT borne by the government, budget year 2025", LIST_2025,
     "Penyerahan Rumah Tapak dan Satuan Rumah Susun Rumah Susun Ditanggung Pemerintah Tahun Anggaran 2021"),
    ("Penyerahan Jasa Sewa Ruangan atau Bangunan Kepada Pedagang Eceran yang Ditanggung Pemerintah Tahun Anggaran "
     "2021", "rental of rooms or buildings to retailers, VAT borne by the government, budget year 2021"),
    ("Penyerahan Barang dan Jasa Dalam Rangka Penanganan Pandemi COVID-19 (PMK 239/PMK. 03/2020)",
     "goods and services for handling the COVID-19 pandemic (PMK 239/PMK.03/2020)"),
    ("Insentif PMK-103/PMK.010/2021 berupa PPN atas Penyerahan Rumah Tapak dan Unit Hunian Rumah Susun yang "
     "Ditanggung Pemerintah Tahun Anggaran 2021",
     "incentive of PMK-103/PMK.010/2021: VAT on landed houses and apartment units borne by the government, budget "
     "year 2021"),
    ("Kawasan Ekonomi Khusus PP nomor 40 Tahun 2021", "special economic zone, Government Regulation 40/2021"),
    ("Kawasan Bebas PP nomor 41 Tahun 2021", "free trade zone, Government Regulation 41/2021"),
    ("Penyerahan Rumah Tapak dan Unit Hunian Rumah Susun yang Ditanggung Pemerintah Tahun Anggaran 2022",
     "delivery of landed houses and apartment units, VAT borne by the government, budget year 2022"),
    ("PPN Ditanggung Pemerintah dalam rangka Penanganan Pandemi Corona Virus",
     "VAT borne by the government for handling the coronavirus pandemic"),
    ("Penyerahan kepada Kontraktor Kerja Sama Migas yang mengikuti ketentuan Peraturan Pemerintah Nomor 53 Tahun 2017",
     "deliveries to oil and gas cooperation contractors under Government Regulation 53/2017"),
    ("BKP strategis tertentu dalam bentuk anode slime dan emas butiran",
     "certain strategic taxable goods: anode slime and granular gold"),
    ("untuk penyerahan kertas koran dan/atau majalah", "for the delivery of newsprint and/or magazines"),
    ("PPN Ditanggung Pemerintah", "VAT borne by the government", LIST_2025,
     "PPN tidak dipungut oleh Pemerintah lainnya"),
    ("BKP dan JKP tertentu", "certain taxable goods and services"),
    ("Penyerahan BKP dan JKP di Ibu Kota Negara baru", "delivery of taxable goods and services in the new capital (IKN)"),
    ("Penyerahan kendaraan listrik berbasis baterai", "delivery of battery electric vehicles"),
    ("Insentif Tambahan Penyerahan Rumah Tapak dan Satuan Rumah Susun Rumah Susun Ditanggung Pemerintah Tahun "
     "Anggaran 2025", "additional incentive: landed houses and apartment units, VAT borne by the government, budget "
     "year 2025", NEW_2026),
    ("PPN atas Penyerahan Hewan Khusus Tertentu Berupa Kuda serta Perlengkapan Pendukungnya Pemerintah Tahun Anggaran "
     "2025", "VAT on certain special animals (horses) and their equipment, government, budget year 2025", NEW_2026),
    ("PPN atas Penyerahan Bekal Khusus Operasi Tertentu Yang Ditanggung Pemerintah Tahun Anggaran 2025",
     "VAT on special supplies for certain operations, borne by the government, budget year 2025", NEW_2026),
    ("Penyerahan Rumah Tapak dan Satuan Rumah Susun Rumah Susun Ditanggung Pemerintah Tahun Anggaran 2026",
     "delivery of landed houses and apartment units, VAT borne by the government, budget year 2026", NEW_2026),
])

# Cap Fasilitas (the legal basis printed on the invoice), code 07.
_STAMPS_07 = _table(STAMP_PREFIX, [
    ("Pajak Pertambahan Nilai Tidak Dipungut berdasarkan PP Nomor 10 Tahun 2012",
     "VAT not collected under Government Regulation 10/2012"),
    ("Pajak Pertambahan Nilai atau Pajak Pertambahan Nilai dan Pajak Penjualan atas Barang Mewah tidak dipungut",
     "VAT, or VAT and luxury-goods sales tax, not collected"),
    ("Pajak Pertambahan Nilai dan Pajak Penjualan atas Barang Mewah Tidak Dipungut",
     "VAT and luxury-goods sales tax not collected"),
    ("Pajak Pertambahan Nilai Tidak Dipungut Sesuai PP Nomor 71 Tahun 2012",
     "VAT not collected under Government Regulation 71/2012"),
    ("(Tidak ada Cap)", "(no stamp)"),
    ("PPN dan/atau PPnBM tidak dipungut berdasarkan PMK No. 194/PMK.03/2012",
     "VAT and/or luxury-goods sales tax not collected under PMK 194/PMK.03/2012"),
    ("PPN Tidak Dipungut Berdasarkan PP Nomor 15 Tahun 2015", "VAT not collected under Government Regulation 15/2015"),
    ("PPN Tidak Dipungut Berdasarkan PP Nomor 69 Tahun 2015", "VAT not collected under Government Regulation 69/2015"),
    ("PPN Tidak Dipungut Berdasarkan PP Nomor 96 Tahun 2015", "VAT not collected under Government Regulation 96/2015"),
    ("PPN Tidak Dipungut Berdasarkan PP Nomor 106 Tahun 2015",
     "VAT not collected under Government Regulation 106/2015"),
    ("PPN Tidak Dipungut Sesuai PP Nomor 50 Tahun 2019", "VAT not collected under Government Regulation 50/2019"),
    ("PPN atau PPN dan PPnBM Tidak Dipungut Sesuai Dengan PP Nomor 27 Tahun 2017",
     "VAT, or VAT and luxury-goods sales tax, not collected under Government Regulation 27/2017"),
    ("PPN DITANGGUNG PEMERINTAH EKSEKUSI PMK NOMOR 13 TAHUN 2025", "VAT borne by the government under PMK 13/2025",
     LIST_2025, "PPN ditanggung PEMERINTAH EX PMK 21/PMK.010/21"),
    ("PPN DITANGGUNG PEMERINTAH EKS PMK 102/PMK.010/2021", "VAT borne by the government under PMK 102/PMK.010/2021"),
    ("PPN DITANGGUNG PEMERINTAH EKS PMK 239/PMK.03/2020", "VAT borne by the government under PMK 239/PMK.03/2020"),
    ("Insentif PPN DITANGGUNG PEMERINTAH EKSEKUSI PMK NOMOR 103/PMK.010/2021",
     "incentive: VAT borne by the government under PMK 103/PMK.010/2021"),
    ("PAJAK PERTAMBAHAN NILAI TIDAK DIPUNGUT BERDASARKAN PP NOMOR 40 TAHUN 2021",
     "VAT not collected under Government Regulation 40/2021"),
    ("PAJAK PERTAMBAHAN NILAI TIDAK DIPUNGUT BERDASARKAN PP NOMOR 41 TAHUN 2021",
     "VAT not collected under Government Regulation 41/2021"),
    ("PPN DITANGGUNG PEMERINTAH EKS PMK 6/PMK.010/2022", "VAT borne by the government under PMK 6/PMK.010/2022"),
    ("PPN DITANGGUNG PEMERINTAH EKSEKUSI PMK NOMOR 226/PMK.03/2021",
     "VAT borne by the government under PMK 226/PMK.03/2021"),
    ("PPN ATAU PPN DAN PPnBM TIDAK DIPUNGUT SESUAI DENGAN PP NOMOR 53 TAHUN 2017",
     "VAT, or VAT and luxury-goods sales tax, not collected under Government Regulation 53/2017"),
    ("PPN tidak dipungut berdasarkan PP Nomor 70 Tahun 2021", "VAT not collected under Government Regulation 70/2021"),
    ("PPN ditanggung Pemerintah Ex PMK-125/PMK.01/2020", "VAT borne by the government under PMK-125/PMK.01/2020"),
    ("(Tidak ada Cap)", "(no stamp)"),
    ("PPN tidak dipungut berdasarkan PP Nomor 49 Tahun 2022", "VAT not collected under Government Regulation 49/2022"),
    ("PPN tidak dipungut berdasarkan PP Nomor 12 Tahun 2023", "VAT not collected under Government Regulation 12/2023"),
    ("PPN Ditanggung Pemerintah berdasarkan PMK Nomor 12 Tahun 2025", "VAT borne by the government under PMK 12/2025",
     LIST_2025, "PPN ditanggung Pemerintah berdasarkan PMK Nomor 38 Tahun 2023"),
    ("PPN DITANGGUNG PEMERINTAH EKSEKUSI PMK NOMOR 60 TAHUN 2025", "VAT borne by the government under PMK 60/2025",
     NEW_2026),
    ("PPN DITANGGUNG PEMERINTAH BERDASARKAN PMK NOMOR 61 TAHUN 2025", "VAT borne by the government under PMK 61/2025",
     NEW_2026),
    ("PPN DITANGGUNG PEMERINTAH BERDASARKAN PMK NOMOR 44 TAHUN 2025", "VAT borne by the government under PMK 44/2025",
     NEW_2026),
    ("PPN DITANGGUNG PEMERINTAH BERDASARKAN PMK NOMOR 90 TAHUN 2025", "VAT borne by the government under PMK 90/2025",
     NEW_2026),
])

# Keterangan Tambahan, code 08.
_ADD_INFO_08 = _table(ADD_INFO_PREFIX, [
    ("untuk BKP dan JKP Tertentu", "for certain taxable goods and services"),
    ("untuk BKP Tertentu yang Bersifat Strategis", "for certain strategic taxable goods"),
    ("untuk Jasa Kebandarudaraan", "for airport services"),
    ("untuk Lainnya", "for other purposes"),
    ("untuk BKP Tertentu yang Bersifat Strategis sesuai PP Nomor 81 Tahun 2015",
     "for certain strategic taxable goods under Government Regulation 81/2015"),
    ("untuk Penyerahan Jasa Kepelabuhan Tertentu untuk kegiatan angkutan laut Luar Negeri",
     "for certain port services to foreign sea transport"),
    ("untuk Penyerahan Air Bersih", "for the delivery of clean water"),
    ("Penyerahan BKP tertentu yang bersifat strategis berdasarkan PP 48 Tahun 2020",
     "delivery of certain strategic taxable goods under Government Regulation 48/2020"),
    ("Penyerahan kepada Perwakilan Negara Asing dan Badan Internasional serta Pejabatnya",
     "deliveries to foreign missions, international bodies and their officials"),
    ("BKP dan JKP tertentu", "certain taxable goods and services"),
])

# Cap Fasilitas, code 08.
_STAMPS_08 = _table(STAMP_PREFIX, [
    ("PPN Dibebaskan Sesuai PP Nomor 146 Tahun 2000 Sebagaimana Telah Diubah Dengan PP Nomor 38 Tahun 2003",
     "VAT exempt under Government Regulation 146/2000 as amended by Government Regulation 38/2003"),
    ("PPN Dibebaskan Sesuai PP Nomor 12 Tahun 2001 Sebagaimana Telah Beberapa Kali Diubah Terakhir Dengan PP Nomor 31 "
     "Tahun 2007", "VAT exempt under Government Regulation 12/2001 as last amended by Government Regulation 31/2007"),
    ("PPN dibebaskan berdasarkan Peraturan Pemerintah Nomor 28 Tahun 2009",
     "VAT exempt under Government Regulation 28/2009"),
    ("(Tidak ada cap)", "(no stamp)"),
    ("PPN Dibebaskan Sesuai Dengan PP Nomor 81 Tahun 2015", "VAT exempt under Government Regulation 81/2015"),
    ("PPN Dibebaskan Berdasarkan PP Nomor 74 Tahun 2015", "VAT exempt under Government Regulation 74/2015"),
    ("(tanpa cap)", "(no stamp)"),
    ("PPN DIBEBASKAN SESUAI PP NOMOR 81 TAHUN 2015 SEBAGAIMANA TELAH DIUBAH DENGAN PP 48 TAHUN 2020",
     "VAT exempt under Government Regulation 81/2015 as amended by Government Regulation 48/2020"),
    ("PPN DIBEBASKAN BERDASARKAN PP NOMOR 47 TAHUN 2020", "VAT exempt under Government Regulation 47/2020"),
    ("PPN Dibebaskan berdasarkan PP Nomor 49 Tahun 2022", "VAT exempt under Government Regulation 49/2022"),
])

ADD_INFO = {"07": _ADD_INFO_07, "08": _ADD_INFO_08}
STAMPS = {"07": _STAMPS_07, "08": _STAMPS_08}


def needs_facility(transaction_code: str) -> bool:
    return transaction_code in FACILITY_CODES


def add_info_choices(transaction_code: str, language: str, list_version: str = CURRENT_LIST) -> list[tuple[str, str]]:
    return [(e.code, e.label(language)) for e in ADD_INFO[transaction_code].values() if _in_list(e, list_version)]


def stamp_choices(transaction_code: str, language: str, list_version: str = CURRENT_LIST) -> list[tuple[str, str]]:
    return [(e.code, e.label(language)) for e in STAMPS[transaction_code].values() if _in_list(e, list_version)]


def _in_list(entry: Entry, list_version: str) -> bool:
    return entry.since <= list_version


def text_of(entry: Entry, list_version: str) -> str:
    """DJP's text of a code in one version of the list."""
    return entry.text_2025 if list_version == LIST_2025 and entry.text_2025 else entry.text


def facility_label(transaction_code: str, value: str, language: str) -> str:
    """A stored AddInfo or FacilityStamp as the reader reads it: its code and description."""
    table = (ADD_INFO if value.startswith(ADD_INFO_PREFIX) else STAMPS).get(transaction_code, {})
    entry = table.get(value)
    return entry.label(language) if entry else value


def paired_stamp(transaction_code: str, add_info: str) -> str | None:
    """The stamp DJP pairs with a facility: the same NN (TD.00502 -> TD.01102), if the list has it."""
    if not add_info.startswith(ADD_INFO_PREFIX):
        return None
    stamp = STAMP_PREFIX + add_info[-2:]
    return stamp if stamp in STAMPS.get(transaction_code, {}) else None


def desktop_additional_info(transaction_code: str, add_info: str) -> str:
    """ID_KETERANGAN_TAMBAHAN of the desktop CSV: NN without its leading zero ("1" for TD.00501)."""
    return str(ADD_INFO[transaction_code][add_info].number)


class FacilityError(ValueError):
    """Why a facility is not acceptable; `field` is "add_info" or "facility_stamp"."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Facility:
    add_info: str = ""  # TD.005NN
    stamp: str = ""  # TD.011NN
    custom_doc: str = ""  # the supporting document's number
    custom_doc_period: str = ""  # MMYYYY

    @property
    def empty(self) -> bool:
        return not (self.add_info or self.stamp or self.custom_doc or self.custom_doc_period)


NO_FACILITY = Facility()


def parse_custom_doc_period(text: str | None) -> str:
    """The supporting document's period as MMYYYY (also accepts MM/YYYY and YYYY-MM); "" when empty."""
    value = (text or "").strip()
    if not value:
        return ""
    digits = value.replace("/", "").replace("-", "").replace(" ", "")
    if len(value) == 7 and value[4] == "-" and value[:4].isdigit():  # 2026-06
        digits = value[5:] + value[:4]
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits[:2]) <= 12 \
            or not 2000 <= int(digits[2:]) <= 2099:
        raise FacilityError(gettext("Write the document's period as MMYYYY, e.g. 062026."), "custom_doc_period")
    return digits


def parse_facility(transaction_code: str, add_info: str | None, stamp: str | None, custom_doc: str | None = "",
                   custom_doc_period: str | None = "") -> Facility:
    """The facility of an invoice of `transaction_code`: both codes required for 07 and 08, nothing for
    the others (what was typed for another code is dropped with the code)."""
    if not needs_facility(transaction_code):
        return NO_FACILITY
    add_info = (add_info or "").strip().upper()
    stamp = (stamp or "").strip().upper()
    if not add_info:
        raise FacilityError(gettext("Code %(code)s needs its facility (Keterangan Tambahan): choose it from DJP's list.",
                                    code=transaction_code), "add_info")
    if add_info not in ADD_INFO[transaction_code]:
        raise FacilityError(gettext("%(value)s is not in DJP's list of facilities for code %(code)s.",
                                    value=add_info[:20], code=transaction_code), "add_info")
    if not stamp:
        raise FacilityError(gettext("Code %(code)s needs its stamp (Cap Fasilitas): choose it from DJP's list.",
                                    code=transaction_code), "facility_stamp")
    if stamp not in STAMPS[transaction_code]:
        raise FacilityError(gettext("%(value)s is not in DJP's list of stamps for code %(code)s.",
                                    value=stamp[:20], code=transaction_code), "facility_stamp")
    document = (custom_doc or "").strip()
    if len(document) > MAX_CUSTOM_DOC:
        raise FacilityError(gettext("The supporting document's number has at most %(max)s characters.",
                                    max=MAX_CUSTOM_DOC), "custom_doc")
    problem = text_problem(document)
    if problem:
        raise FacilityError(problem, "custom_doc")
    return Facility(add_info, stamp, document, parse_custom_doc_period(custom_doc_period))
