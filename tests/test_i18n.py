"""Bahasa Indonesia and English: the catalogue covers every text, every page reads in either language,
numbers and dates follow the language, the choice is kept on the account, and each e-mail goes out in
the language set for it."""
import ast
import calendar
import io
import json
import os
import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from efaktur import PROJECT_ROOT, create_app
from efaktur.auth.models import User
from efaktur.customers.models import Customer
from efaktur.customers.services import add_customer
from efaktur.extensions import db
from efaktur.language.i18n import in_language
from tests.conftest import (
    ADMIN_EMAIL,
    HTMX,
    PASSWORD,
    SmtpSink,
    add_range,
    base_config,
    generate,
    make_invoice,
    readable,
    set_company,
    set_threshold,
)

CATALOGUE = os.path.join(PROJECT_ROOT, "efaktur", "translations", "id", "LC_MESSAGES", "messages.po")
TEMPLATES = os.path.join(PROJECT_ROOT, "templates")
ID = {"Accept-Language": "id-ID,id;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
# Pages for developers (the API's reference is generated from its English OpenAPI document).
ENGLISH_ONLY_TEMPLATES = {"api/reference.html"}
# Words that are the same in both languages: names, codes, units of the tax office's files.
SAME_IN_BOTH = {"efaktur", "E-Faktur", "e-Faktur", "NPWP", "NSFP", "NIK", "DPP", "PPN", "Rp", "PDF", "CSV", "XML",
                "JSON", "Coretax", "OK", "SHA-256", "MMBTU", "KB", "MB", "GB", "EN", "ID", "e-Nofa", "DJP", "SMTP",
                # DJP's own Indonesian words: its unit UM.0018 "Unit", and its facility texts ("Unit Hunian").
                "Unit"}


def catalogue():
    with open(CATALOGUE, "rb") as handle:
        return read_po(handle)


# ---- the catalogue -------------------------------------------------------------------------------

def _extracted() -> set:
    method_map = [("efaktur/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT, method_map, keywords=keywords,
                                                directory_filter=lambda path: os.path.basename(path) not in (
                                                    ".venv", ".git", "node_modules", "__pycache__", "instance")):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_committed_compiled_catalogue_is_the_po_compiled():
    """`pip install -e .` alone serves Indonesian: the .mo is in the repository, and it must be what the
    .po compiles to (run `make translations`, or `pybabel compile -d efaktur/translations`, after an edit)."""
    from babel.messages.mofile import read_mo, write_mo
    from babel.messages.pofile import read_po

    directory = os.path.dirname(CATALOGUE)
    with open(os.path.join(directory, "messages.po"), "rb") as po:
        catalog = read_po(po)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    with open(os.path.join(directory, "messages.mo"), "rb") as mo:
        committed = mo.read()
    assert committed == compiled.getvalue(), "messages.mo is not the compiled messages.po: run `make translations`"
    with open(os.path.join(directory, "messages.mo"), "rb") as mo:
        assert read_mo(mo).get("Log in").string == "Masuk"


def test_every_marked_text_has_an_indonesian_translation():
    """`make translations` was run and every new text translated: nothing marked in the code or the
    templates is missing from the catalogue, empty or fuzzy there."""
    translated = {}
    for message in catalogue():
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            text = message.string[0] if isinstance(message.string, tuple) else message.string
            translated[key] = "" if message.fuzzy else text
    missing = sorted(text for text in _extracted() if not translated.get(text))
    assert not missing, f"not (or not fully) translated; run `make translations` and translate: {missing[:20]}"


def test_translations_keep_the_placeholders():
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text)) <= wanted | set(re.findall(r"%\(\w+\)[sd]", ids[0]))
            assert wanted <= set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text)) | {"%(num)s"}, (message.id, text)


class _Text(HTMLParser):
    """Visible text and the attributes people read, of a template whose Jinja parts are replaced by \\x00."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/json":
            self._words = True  # the words static/app.js writes on screen: read like the page's own
        if tag in ("script", "style"):
            self._skip += 1
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if value and (name in self.SHOWN_ATTRIBUTES or (name == "value" and button)):
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if getattr(self, "_words", False):
            self._words = False
            try:
                words = json.loads(data)
            except ValueError:  # a template, whose Jinja parts are \x00: the page sweep reads the words
                words = {}
            self.found.extend(re.sub(r"\{\w+\}", " ", text) for text in words.values())
        if not self._skip:
            self.found.append(data)


def _words_outside_the_catalogue(text: str) -> list[str]:
    words = [w.rstrip("-") for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text.replace("\x00", " "))]
    return [w for w in words if w not in SAME_IN_BOTH and not re.fullmatch(r"[A-Z]{1,3}", w)]


def _template_texts(env, name: str) -> list[str]:
    """The parts of a template a person reads that are written in the template itself (not `_()`ed)."""
    source = env.loader.get_source(env, name)[0]
    parts, in_trans, previous = [], False, None
    for _, kind, value in env.lex(source):
        if kind == "name" and previous == "block_begin" and value in ("trans", "endtrans"):
            in_trans = value == "trans"  # {% trans %}...{% endtrans %} is in the catalogue
        if kind != "whitespace":
            previous = kind
        parts.append(value if kind == "data" and not in_trans else "\x00")
    joined = "".join(parts)
    if name.endswith(".txt"):
        return [joined]
    parser = _Text()
    parser.feed(joined)
    return parser.found


def test_no_template_shows_a_text_outside_the_catalogue(sqlite_app):
    """Every word a template shows goes through _() or {% trans %}: a plain English word in a page,
    an attribute people read (title, placeholder, aria-label, confirm) or an e-mail fails here."""
    env = sqlite_app.jinja_env
    offenders = {}
    for root, _, files in os.walk(TEMPLATES):
        for file_name in files:
            name = os.path.relpath(os.path.join(root, file_name), TEMPLATES).replace(os.sep, "/")
            if name in ENGLISH_ONLY_TEMPLATES:
                continue
            words = [w for text in _template_texts(env, name) for w in _words_outside_the_catalogue(text)]
            if words:
                offenders[name] = words[:8]
    assert not offenders, f"texts not in the catalogue: {offenders}"


def test_the_template_check_catches_an_unmarked_text(sqlite_app):
    """The check above is not blind: a plain word in a template and in an attribute is found."""
    from jinja2 import DictLoader, Environment

    env = Environment(loader=DictLoader({"t.html": '<p>{{ _("Saved") }}</p><p>Saved now</p><a title="Open it">x</a>'}))
    found = [w for text in _template_texts(env, "t.html") for w in _words_outside_the_catalogue(text)]
    assert found == ["Saved", "now", "Open", "it"]


# Python: what is handed to a person goes through the catalogue. These calls take what users read.
SHOWN_CALLS = {"flash", "success_response", "modal_error", "_error", "ValidationError", "InputRequired", "DataRequired", "not_blank"}
EXCEPTION_SUFFIXES = ("Error", "Refused", "Rejected")
FIELDS = re.compile(r"(String|Password|Select|Submit|Date|Boolean|TextArea|Integer|MultipleFile|File|Email)Field$")
# The command line and the JSON API speak English to operators and billing systems (README).
ENGLISH_MODULES = ("efaktur/api/", "efaktur/operations/cli.py", "efaktur/auth/cli.py", "efaktur/config.py",
                   "efaktur/operations/backups.py", "efaktur/database.py", "efaktur/instance_setup.py", "efaktur/formats/",
                   "efaktur/amounts.py")
INTERNAL_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "AssertionError", "InsecureConfigError",
                   "LookupError", "ExportChanged", "NotImplementedError"}


def _plain_text(node) -> bool:
    """A literal (or f-string) with words in it, handed over as is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and re.search(r"[A-Za-z]{2,}", v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    return False


def _unmarked(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        shown = name in SHOWN_CALLS or (name.endswith(EXCEPTION_SUFFIXES) and name not in INTERNAL_ERRORS) or FIELDS.match(name)
        arguments = (list(node.args) if name in ("modal_error", "success_response", "_error") else list(node.args[:1])) + [
            k.value for k in node.keywords if k.arg in ("message", "label", "title", "warning")]
        if name == "record" and len(node.args) >= 2:
            second = node.args[1]
            if not (isinstance(second, ast.IfExp) or (isinstance(second, ast.Call) and getattr(second.func, "id", "") == "N_")
                    or isinstance(second, ast.Name)):
                found.append((node.lineno, "record() without N_()"))
        if not shown:
            continue
        for argument in arguments:
            values = argument.values if isinstance(argument, ast.Dict) else [argument]
            for value in values:
                if _plain_text(value):
                    found.append((node.lineno, ast.unparse(value)[:80]))
    return found


def test_no_python_module_hands_a_person_an_unmarked_text():
    offenders = {}
    for root, _, files in os.walk(os.path.join(PROJECT_ROOT, "efaktur")):
        for file_name in files:
            if not file_name.endswith(".py"):
                continue
            path = os.path.relpath(os.path.join(root, file_name), PROJECT_ROOT).replace(os.sep, "/")
            if path.startswith(ENGLISH_MODULES):
                continue
            with open(os.path.join(PROJECT_ROOT, path), encoding="utf-8") as handle:
                found = _unmarked(ast.parse(handle.read()))
            if found:
                offenders[path] = found[:5]
    assert not offenders, f"texts handed to people without gettext(): {offenders}"


def test_the_python_check_catches_an_unmarked_text():
    tree = ast.parse('raise InvoiceRefused({"number": f"Invoice {n} exists."})\nflash("Saved.")\n'
                     'x = StringField("Name")\nrecord("a.b", f"Did {x}.")\nmodal_error(gettext("No."), "Resend")\n'
                     'flash(gettext("Saved."))')
    assert [line for line, _ in _unmarked(tree)] == [1, 2, 3, 4, 5]


# ---- every page in both languages ----------------------------------------------------------------

def _visible_words(html: str) -> set[str]:
    """The words a page shows, less e-mail addresses, paths, file names and commands (in no language)."""
    parser = _Text()
    parser.feed(html)
    text = re.sub(r"\S+@\S+|\S+\.(pdf|zip|csv|xml)\b|\S*/\S*|flask --app efaktur \w+|\w*__\w+__\w*", " ", " ".join(parser.found))
    return set(re.findall(r"[A-Za-z][A-Za-z'-]+", text))


def _vocabularies():
    """English words of the catalogue's texts that no Indonesian text uses, and the other way round."""
    english, indonesian = set(), set()
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= set(re.findall(r"[A-Za-z][A-Za-z'-]{3,}", re.sub(r"%\(\w+\)[sd]|<[^>]+>|\{\w+\}", " ", text)))
        for text in strings:
            indonesian |= set(re.findall(r"[A-Za-z][A-Za-z'-]{3,}", re.sub(r"%\(\w+\)[sd]|<[^>]+>|\{\w+\}", " ", text)))
    # Month names: a date written by hand (strftime, calendar) instead of in the reader's language.
    english |= set(calendar.month_name[1:]) | set(calendar.month_abbr[1:])
    for width in ("wide", "abbreviated"):
        indonesian |= set(Locale.parse("id").months["format"][width].values())
    shared = english & indonesian
    return english - shared - SAME_IN_BOTH, indonesian - shared - SAME_IN_BOTH


@pytest.fixture
def full_app(sqlite_app):
    """Something on every page: ranges, invoices numbered and not, a threshold alert, an activity log,
    a token; the data's own words are names and numbers that belong to neither language."""
    app = sqlite_app
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    add_range(app, 2027, "000-27.00000001", "000-27.00000010")
    numbered = [make_invoice(app, number=f"INV-{n}", customer_email=f"keu{n}@pt-mitra.co.id") for n in range(1, 4)]
    make_invoice(app, number="INV-9", code="04")
    set_threshold(app, 20, emails=["keu@pt-mitra.co.id"])
    client = app.test_client()
    _login(client, EN)
    assert client.post("/invoices/generate", data={"invoice_ids": ",".join(map(str, numbered))},
                       headers=HTMX).status_code == 200
    with app.test_request_context():
        from efaktur.api.tokens import create_token

        create_token("Tokopedia", read_only=True, expires_on=None, created_by=ADMIN_EMAIL, today=date(2026, 6, 15))
        add_customer({"name": "PT Mitra", "npwp_name": "PT Mitra Tbk", "buyer_document": "tin", "npwp": "012345678901000",
                      "buyer_document_number": "", "buyer_country": "IDN", "buyer_branch_code": "000000",
                      "address": "Jl. 1", "email": "keu@pt-mitra.co.id", "email_language": "id"})
    return app, numbered


PAGES = ["/numbers/", "/invoices/", "/invoices/{invoice}", "/export/?period=2026-06", "/files/", "/settings/billing",
         "/users/", "/api-tokens/", "/activity/", "/operations/", "/me", "/customers/"]
MODALS = ["/numbers/new", "/settings/threshold", "/invoices/new", "/invoices/{invoice}/edit", "/users/new",
          "/api-tokens/new", "/files/upload", "/account/password", "/numbers/{range}/delete", "/customers/new",
          "/customers/{customer}/edit", "/invoices/new?from={invoice}"]


def _login(client, headers):
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}, headers=headers)
    assert response.status_code == 303


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_page_reads_in_one_language(full_app, language):
    app, numbered = full_app
    english, indonesian = _vocabularies()
    foreign = english if language == "id" else indonesian
    headers = ID if language == "id" else EN
    client = app.test_client()
    _login(client, headers)
    with app.app_context():
        from efaktur.numbers.models import NumberRange

        range_id = db.session.scalar(db.select(NumberRange.id).where(NumberRange.year == 2027))
        customer_id = db.session.scalar(db.select(Customer.id))
    checked = 0
    for template in PAGES + MODALS:
        path = template.format(invoice=numbered[0], range=range_id, customer=customer_id)
        for extra in ({}, HTMX) if template in MODALS else ({},):
            response = client.get(path, headers={**headers, **extra})
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            assert f'lang="{language}"' in html or extra, path
            stray = sorted(_visible_words(html) & foreign)
            assert not stray, f"{path} ({language}) shows words of the other language: {stray}"
            checked += 1
    # And the answers to bad input: a form error in the page's language.
    response = client.post("/numbers/new", data={"year": "2026", "start_number": "12x", "end_number": ""},
                           headers={**headers, **HTMX})
    assert response.status_code == 422
    assert not sorted(_visible_words(response.get_data(as_text=True)) & foreign)
    response = client.post("/invoices/new", data={"customer_name": "", "invoice_date": "2026-06-40"},
                           headers={**headers, **HTMX})
    assert response.status_code == 422
    assert not sorted(_visible_words(response.get_data(as_text=True)) & foreign)
    assert checked == len(PAGES) + 2 * len(MODALS)


def test_the_script_writes_no_words_of_its_own():
    """What static/app.js shows (toasts, questions) comes from the page's #app-words or the page itself, so the
    page sweep above reads it in the page's language; a sentence typed into the script would be English only."""
    script = open(os.path.join(PROJECT_ROOT, "static", "app.js"), encoding="utf-8").read()
    code = re.sub(r"//[^\n]*", "", script)  # comments are for developers
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
    sentences = [text for text in literals
                 if text != "use strict" and re.search(r"[A-Za-z]{2,} [a-z]{2,}", text) and not re.search(r"[\[\]#=:>]", text)]
    assert sentences == []
    for key in re.findall(r'say\("(\w+)"', script) + re.findall(r'"(downloaded(?:_one|_many)?)"', script):
        with create_app(base_config("sqlite://", "/tmp")).test_request_context():
            from flask import current_app

            assert key in current_app.jinja_env.globals["app_words"](), key


def test_the_page_check_catches_an_english_word_in_an_indonesian_page():
    english, _ = _vocabularies()
    assert {"Generate", "Threshold", "Available", "June"} <= english
    assert _visible_words('<p title="Simpan">Nomor <b>Available</b></p>') & english == {"Available"}


def test_the_indonesian_pages_use_the_tax_offices_words(full_app):
    app, numbered = full_app
    client = app.test_client()
    _login(client, ID)
    page = client.get("/numbers/", headers=ID).get_data(as_text=True)
    assert "Nomor Tersedia 2026" in page and "Atur Batas Peringatan" in page and "Rentang NSFP" in page
    form = client.get("/invoices/new", headers=ID).get_data(as_text=True)
    assert "01 - Kepada Pihak yang Bukan Pemungut PPN" in form and "04 - DPP Nilai Lain" in form
    detail = client.get(f"/invoices/{numbered[0]}", headers=ID).get_data(as_text=True)
    assert "Nomor Faktur Pajak" in detail and "Belum Dibayar" in detail


def test_the_indonesian_words_a_finance_clerk_uses(full_app):
    app, numbered = full_app
    no_tax = make_invoice(app, number="INV-NOTAX", tax=False)
    client = app.test_client()
    _login(client, ID)
    detail = client.get(f"/invoices/{numbered[0]}", headers=ID).get_data(as_text=True)
    assert "<dt>Kena PPN</dt><dd>Kena PPN, kode transaksi 01</dd>" in detail
    assert "Tidak kena PPN" in client.get(f"/invoices/{no_tax}", headers=ID).get_data(as_text=True)
    page = client.get("/numbers/", headers=ID).get_data(as_text=True)
    assert "Kebutuhan s.d. 31 Des 2026" in page
    token_form = client.get("/api-tokens/new", headers=ID).get_data(as_text=True)
    assert "masih berlaku pada tanggal ini" in token_form
    with app.test_request_context(), in_language("id"):
        from efaktur.files.uploads import megabytes

        assert (megabytes(5 * 2**20), megabytes(25 * 2**20)) == ("5,0 MB", "25 MB")
    with app.test_request_context(), in_language("en"):
        assert megabytes(5 * 2**20) == "5.0 MB"


def test_refusals_and_answers_read_in_indonesian(full_app):
    """The NSFP parser's refusals, the accounts views' answers, the e-mail parser and the activity log's edit
    entries: in the reader's language, with no English word of the catalogue in them."""
    app, numbered = full_app
    english, _ = _vocabularies()
    client = app.test_client()
    _login(client, ID)
    answers = [
        client.post("/numbers/new", headers={**ID, **HTMX},
                    data={"year": "2027", "start_number": "000-25.00000001", "end_number": "000-25.00000009"}),
        client.post("/users/new", headers={**ID, **HTMX}, data={"email": "budi@pt-mitra.co.id", "role": "staff"}),
        client.post("/customers/new", headers={**ID, **HTMX},
                    data={"customer_name": "PT Baru", "buyer_document": "tin", "buyer_country": "IDN",
                          "buyer_branch_code": "000000", "customer_email": "keu@pt-mitra", "customer_language": "id"}),
    ]
    with app.app_context():
        budi = db.session.scalar(db.select(User.id).where(User.email == "budi@pt-mitra.co.id"))
    answers.append(client.post(f"/users/{budi}/deactivate", headers={**ID, **HTMX}))
    edit = client.get(f"/invoices/{numbered[1]}/edit", headers=HTMX).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', edit).group(1)
    form = {"number": "INV-2", "customer_name": "PT Mitra Baru", "npwp_name": "PT Maju Jaya", "buyer_document": "tin",
            "npwp": "012345678901000", "buyer_country": "IDN", "buyer_branch_code": "000000", "address": "Jl. 2",
            "customer_language": "en", "invoice_date": "2026-06-01", "due_date": "2026-06-01", "tax_enabled": "y",
            "transaction_code": "01", "revision": revision, "lines-0-item": "Konsultasi", "lines-0-quantity": "1",
            "lines-0-unit_price": "1000000", "lines-0-kind": "A", "lines-0-unit": "UM.0018", "lines-0-goods_code": "000000"}
    answers.append(client.post(f"/invoices/{numbered[1]}/edit", headers={**ID, **HTMX}, data=form))
    answers.append(client.get("/activity/", headers=ID))
    bodies = [answer.get_data(as_text=True) for answer in answers]
    assert "Digit tahun 25 tidak sesuai dengan Periode Tahun 2027" in bodies[0]
    assert "Menambahkan budi@pt-mitra.co.id (Staf)" in bodies[1]
    assert "bukan domain" in bodies[2]
    assert "budi@pt-mitra.co.id dinonaktifkan" in bodies[3]
    assert "PT Mitra Baru" in bodies[5]
    for answer, body in zip(answers, bodies, strict=True):
        assert not sorted(_visible_words(body) & english), (answer.request.path, sorted(_visible_words(body) & english))


def test_no_pace_yet_is_said_as_a_clerk_would(sqlite_app):
    app = sqlite_app
    add_range(app, 2026, "000-26.00000001", "000-26.00000010")
    client = app.test_client()
    _login(client, ID)
    assert "Belum dapat diperkirakan" in client.get("/numbers/", headers=ID).get_data(as_text=True)


# ---- formats ---------------------------------------------------------------------------------------

def test_amounts_dates_and_times_follow_the_language(sqlite_app):
    app = sqlite_app
    env = app.jinja_env
    at = datetime(2026, 11, 25, 7, 30, tzinfo=timezone.utc)  # 14.30 in Jakarta
    with app.test_request_context():
        with in_language("id"):
            assert env.filters["money"](47818800) == "Rp 47.818.800"
            assert env.filters["shortdate"](date(2026, 11, 25)) == "25 Nov 2026"
            assert env.filters["longdate"](date(2026, 11, 25)) == "25 November 2026"
            assert env.filters["shortdate"](date(2026, 8, 17)) == "17 Agu 2026"
            assert env.filters["localtime"](at) == "25 Nov 2026 14.30 WIB"
            assert env.globals["decimal"](1.5, 1) == "1,5"
            assert env.filters["compact"](1234) == "1,2 rb"
        with in_language("en"):
            assert env.filters["money"](47818800) == "Rp 47,818,800"
            assert env.filters["shortdate"](date(2026, 11, 25)) == "25 Nov 2026"
            assert env.filters["longdate"](date(2026, 11, 25)) == "25 November 2026"
            assert env.filters["localtime"](at) == "25 Nov 2026 14:30 WIB"
            assert env.filters["compact"](1234) == "1.2k"


def test_times_carry_the_configured_zones_abbreviation(tmp_path):
    from efaktur import create_app
    from tests.conftest import base_config

    app = create_app({**base_config("sqlite:///" + str(tmp_path / "m.sqlite"), str(tmp_path)),
                      "EFAKTUR_TIMEZONE": "Asia/Makassar"})
    with app.test_request_context(), in_language("id"):
        assert app.jinja_env.filters["localtime"](datetime(2026, 11, 25, 7, 30, tzinfo=timezone.utc)) == "25 Nov 2026 15.30 WITA"


def test_the_pages_show_amounts_in_the_language(full_app):
    app, numbered = full_app
    from decimal import Decimal

    from efaktur.invoices.services import DraftLine

    make_invoice(app, number="INV-BIG", lines=[DraftLine("Konsultasi", Decimal(1), 47818800)], tax=False)
    client = app.test_client()
    _login(client, ID)
    page = client.get("/invoices/?q=INV-BIG", headers=ID).get_data(as_text=True)
    assert "47.818.800" in page and "47,818,800" not in page
    client.post("/language", data={"language": "en"})
    page = client.get("/invoices/?q=INV-BIG").get_data(as_text=True)
    assert "47,818,800" in page and "47.818.800" not in page


@pytest.mark.parametrize("typed", ["47.818.800", "47,818,800", "47818800", "Rp 47.818.800"])
def test_amounts_are_read_in_either_style_in_either_language(full_app, typed):
    app, _ = full_app
    client = app.test_client()
    _login(client, ID)
    form = {"customer_name": "PT Mitra", "invoice_date": "2026-06-02", "due_date": "2026-06-30", "tax_enabled": "y",
            "transaction_code": "01", "buyer_document": "tin", "buyer_country": "IDN", "customer_language": "id",
            "lines-0-item": "Konsultasi", "lines-0-kind": "B", "lines-0-goods_code": "000000", "lines-0-unit": "UM.0018",
            "lines-0-quantity": "1", "lines-0-unit_price": typed}
    response = client.post("/invoices/new", data=form, headers={**ID, **HTMX})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with app.app_context():
        from efaktur.invoices.models import Invoice

        assert db.session.scalar(db.select(Invoice.dpp_cents).where(Invoice.customer_name == "PT Mitra")) == 4781880000


# ---- the choice of language ------------------------------------------------------------------------

def test_the_browser_decides_until_the_user_chooses_and_indonesian_is_the_default(sqlite_app):
    from efaktur import create_app
    from tests.conftest import base_config

    client = sqlite_app.test_client()
    assert 'lang="en"' in client.get("/login", headers=EN).get_data(as_text=True)
    assert "Masuk" in client.get("/login", headers=ID).get_data(as_text=True)
    # A browser that prefers neither (here: German) gets the installation default, Indonesian.
    config = base_config(sqlite_app.config["SQLALCHEMY_DATABASE_URI"], sqlite_app.instance_path)
    del config["BABEL_DEFAULT_LOCALE"]  # as installed: the default of efaktur/config.py
    installed = create_app(config)
    page = installed.test_client().get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert 'lang="id"' in page and "Masuk" in page
    from efaktur.config import DefaultConfig

    assert DefaultConfig.BABEL_DEFAULT_LOCALE == "id"


def test_the_switch_is_kept_on_the_account_across_logins(sqlite_app):
    app = sqlite_app
    client = app.test_client()
    _login(client, EN)
    assert 'lang="en"' in client.get("/numbers/", headers=EN).get_data(as_text=True)
    response = client.post("/language", data={"language": "id", "next": "/invoices/"}, headers=EN)
    assert response.status_code == 303 and response.headers["Location"].endswith("/invoices/")
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == ADMIN_EMAIL)) == "id"
    client.post("/logout", headers=EN)
    # Another browser, which prefers English: the account's choice wins.
    other = app.test_client()
    _login(other, EN)
    page = other.get("/numbers/", headers=EN).get_data(as_text=True)
    assert 'lang="id"' in page and "Nomor Faktur Pajak" in page and "Keluar" in page
    other.post("/language", data={"language": "en"}, headers=EN)
    assert 'lang="en"' in other.get("/numbers/", headers=ID).get_data(as_text=True)


def test_a_choice_made_on_the_login_page_is_kept_by_the_account(sqlite_app):
    app = sqlite_app
    client = app.test_client()
    client.post("/language", data={"language": "id", "next": "/login"}, headers=EN)
    assert "Masuk" in client.get("/login", headers=EN).get_data(as_text=True)
    _login(client, EN)
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == ADMIN_EMAIL)) == "id"


@pytest.mark.parametrize("value", ["", "de", "ID", "x" * 5000, "\x00"])
def test_the_switch_refuses_what_is_no_language(sqlite_app, value):
    client = sqlite_app.test_client()
    _login(client, EN)
    response = client.post("/language", data={"language": value}, headers={**EN, **HTMX})
    assert response.status_code == 422
    assert "Choose Bahasa Indonesia or English." in response.get_data(as_text=True)
    with sqlite_app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == ADMIN_EMAIL)) is None


def test_the_header_has_the_switch_with_the_current_language_pressed(sqlite_app):
    client = sqlite_app.test_client()
    _login(client, ID)
    page = client.get("/numbers/", headers=ID).get_data(as_text=True)
    assert re.search(r'value="id"[^>]*aria-pressed="true"', page)
    assert re.search(r'value="en"[^>]*aria-pressed="false"', page)


def test_the_api_answers_in_english_unless_asked(sqlite_app):
    with sqlite_app.test_request_context():
        from efaktur.api.tokens import create_token

        _, secret = create_token("Shop", read_only=False, expires_on=None, created_by=ADMIN_EMAIL, today=date(2026, 6, 15))
    client = sqlite_app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    body = {"customer": {"name": "PT A"}, "invoice_date": "2026-06-40", "lines": []}
    english = client.post("/api/v1/invoices", json=body, headers=auth).get_json()
    assert english["error"]["code"] and "Not a valid date" in json.dumps(english)


# ---- the e-mails -----------------------------------------------------------------------------------

def _threshold_mail(app, language):
    add_range(app, 2026, "000-26.00000001", "000-26.00000005")
    set_threshold(app, 4, emails=["keu@pt-mitra.co.id"], language=language)
    invoice = make_invoice(app, number="INV-1")
    from efaktur.extensions import mail

    with mail.record_messages() as outbox:
        client = app.test_client()
        _login(client, EN)
        response = client.post("/invoices/generate", data={"invoice_ids": str(invoice)}, headers=HTMX)
        assert response.status_code == 200
    assert len(outbox) == 1
    return outbox[0]


def test_the_threshold_email_is_indonesian_by_default(sqlite_app):
    with sqlite_app.app_context():
        from efaktur.settings.services import current_settings

        assert current_settings().notification_language == "id"
    message = _threshold_mail(sqlite_app, language=None)
    assert message.subject == "Nomor tersedia mencapai batas peringatan: tersisa 4 untuk 2026 (batas 4)"
    assert "Tersisa 4 Nomor Faktur Pajak untuk 2026" in message.body
    assert "Buka halaman Nomor Faktur Pajak" in message.html or "Open" not in message.html


def test_the_threshold_email_follows_billing_settings(sqlite_app):
    client = sqlite_app.test_client()
    _login(client, ID)
    response = client.post("/settings/notification-language", data={"notification_language": "en"}, headers={**ID, **HTMX})
    assert response.status_code == 200
    message = _threshold_mail(sqlite_app, language=None)
    assert message.subject == "Available number reached threshold limit: 4 left for 2026 (limit 4)"
    response = client.post("/settings/notification-language", data={"notification_language": "fr"}, headers={**ID, **HTMX})
    assert response.status_code == 422 and "Pilihan tidak valid." in response.get_data(as_text=True)


def test_the_customer_email_follows_the_invoices_customer(sqlite_app):
    from tests.test_files import _send, _sending_app, _upload_all

    app = sqlite_app
    set_company(app)  # the seller, whose NPWP the file names carry
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, number="INV-ID", customer_email="keu@pt-a.co.id", customer_language="id"),
           make_invoice(app, number="INV-EN", customer_email="ap@b.example", customer_language="en")]
    generate(app, ids)
    client = app.test_client()
    _login(client, EN)
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        _send(client, _upload_all(client, ids))
        messages = {recipients[0]: message for recipients, message in sink.parsed()}
    indonesian, english = messages["keu@pt-a.co.id"], messages["ap@b.example"]
    assert indonesian["Subject"] == "e-Faktur 010.000-26.00000001 untuk invoice INV-ID dari PT Maju Jaya"
    assert "Terlampir e-Faktur (Faktur Pajak)" in indonesian.get_body(("plain",)).get_content()
    assert "1 Juni 2026" in indonesian.get_body(("plain",)).get_content()
    assert english["Subject"] == "e-Faktur 010.000-26.00000002 for invoice INV-EN from PT Maju Jaya"
    assert "Attached is the e-Faktur" in english.get_body(("plain",)).get_content()


def test_the_customers_email_language_is_set_on_the_invoice_form(full_app):
    app, numbered = full_app
    client = app.test_client()
    _login(client, ID)
    form = client.get(f"/invoices/{numbered[0]}/edit", headers=ID).get_data(as_text=True)
    assert "Bahasa E-mail" in form and 'name="customer_language"' in form


def test_the_activity_log_reads_in_the_readers_language(full_app):
    app, _ = full_app
    client = app.test_client()
    _login(client, ID)
    page = readable(client.get("/activity/", headers=ID).get_data(as_text=True))
    assert "memberikan 010.000-26.00000001 kepada invoice INV-1." in page
    client.post("/language", data={"language": "en"})
    page = readable(client.get("/activity/").get_data(as_text=True))
    assert "generated 010.000-26.00000001 for INV-1." in page
    csv_text = client.get("/activity/export.csv").get_data(as_text=True)
    assert io.StringIO(csv_text).readline().startswith("When,Who,Kind")


def test_the_pure_code_speaks_the_requests_language_only_inside_the_app(sqlite_app):
    """lang.py is not rebound at start-up: outside an app it says English, inside a request the request's
    language, and English again once the request is over."""
    from efaktur.language import lang

    assert not hasattr(lang, "install")
    assert lang.gettext("Log in") == "Log in"
    with sqlite_app.test_request_context(headers={"Accept-Language": "id"}):
        assert lang.gettext("Log in") == "Masuk" and lang.number(47818800) == "47.818.800"
        with lang.in_english():
            assert lang.gettext("Log in") == "Log in"
    assert lang.gettext("Log in") == "Log in" and lang.number(47818800) == "47,818,800"


def test_wtforms_messages_come_from_the_catalogue_through_the_forms_meta_hook(sqlite_app):
    """No module global of Flask-WTF is replaced: the forms' Meta.get_translations hands WTForms the catalogue,
    for Flask-WTF forms and for the plain ones (a filter, an invoice's line) alike."""
    import flask_wtf.form
    from wtforms import SelectField, StringField
    from wtforms.validators import InputRequired

    from efaktur.web.forms import AppForm, PlainForm

    assert flask_wtf.form.translations is None or type(flask_wtf.form.translations).__module__.startswith("flask_wtf")

    class Required(AppForm):
        name = StringField(validators=[InputRequired()])

    class Choice(PlainForm):
        kind = SelectField(choices=[("a", "A")])

    with sqlite_app.test_request_context(method="POST", data={"kind": "x"}, headers={"Accept-Language": "id"}):
        sqlite_app.config["WTF_CSRF_ENABLED"] = False
        required = Required()
        assert not required.validate() and required.name.errors == ["Isian ini wajib diisi."]
        from flask import request

        choice = Choice(request.form)
        assert not choice.validate() and choice.kind.errors == ["Pilihan tidak valid."]
