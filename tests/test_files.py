"""E-Faktur Files: uploads matched by the number in the name, refusals, reported invoices, replacements,
Coretax numbers, and e-mailing each customer its PDF through a real SMTP server."""
import hashlib
import io
import struct
import threading
import zipfile

import pytest

from efaktur.activity.models import ActivityEntry
from efaktur.extensions import db
from efaktur.files.models import EfakturFile
from efaktur.invoices.models import Invoice
from efaktur.numbers.models import NumberAssignment
from tests.conftest import HTMX, SmtpSink, add_range, generate, mail_config, make_invoice, set_company
from tests.coretax_files import coretax_pdf, coretax_pdf_name

SELLER_15 = "012345678901000"
SELLER_16 = "0012345678901000"


def pdf(tag="x", size=0) -> bytes:
    """A small PDF, different for every tag (and padded to `size` bytes when asked)."""
    body = b"%PDF-1.4\n% " + tag.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n"
    return body + b"%" * max(0, size - len(body) - 6) + b"\n%%EOF"


BUYER_15 = "012345678901000"  # make_invoice's buyer


def desktop_name(efaktur16, seller=SELLER_15, buyer=BUYER_15, stamp="20260610120000"):
    return f"{seller}-{efaktur16}-{buyer}-{stamp}.pdf"


def coretax_name(number17, seller=SELLER_16):
    return f"OutputTaxInvoice-6f2c9a1e-7b3d-4e21-9c55-1a2b3c4d5e6f-{seller}-{number17}-20260610.pdf"


def make_zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, *files):
    """files: (name, bytes) pairs, sent as one multipart upload."""
    return client.post(
        "/files/upload",
        data={"files": [(io.BytesIO(data), name) for name, data in files]},
        headers=HTMX,
        content_type="multipart/form-data",
    )


def stored_files(app, invoice_id=None):
    with app.app_context():
        query = db.select(EfakturFile).order_by(EfakturFile.id)
        if invoice_id:
            query = query.where(EfakturFile.invoice_id == invoice_id)
        return list(db.session.scalars(query))


def invoice(app, invoice_id) -> Invoice:
    with app.app_context():
        return db.session.get(Invoice, invoice_id)


@pytest.fixture
def numbered(app):
    """Three invoices of 2026 holding 010.000-26.00000001..3, with customer e-mails; the company's NPWP set."""
    set_company(app, SELLER_15)
    add_range(app, 2026, "000-26.00000001", "000-26.00000100")
    ids = [make_invoice(app, customer_email=f"finance{i}@customer{i}.co.id", number=f"INV-F{i}") for i in range(1, 4)]
    generate(app, ids)
    return ids


def test_desktop_names_with_15_and_16_digit_npwps_match(admin_client, app, numbered):
    response = upload(
        admin_client,
        (desktop_name("0100002600000001", seller=SELLER_15, buyer=BUYER_15), pdf("a")),
        (desktop_name("0100002600000002", seller=SELLER_16, buyer="0" + BUYER_15), pdf("b")),
        ("010.000-26.00000003.pdf", pdf("c")),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "3 files matched and stored" in body
    assert [f.invoice_id for f in stored_files(app)] == numbered
    assert all(invoice(app, i).efaktur_reported_at is not None for i in numbered)


def test_a_zip_is_read_member_by_member_and_the_upload_is_one_log_entry(admin_client, app, numbered):
    archive = make_zip([(desktop_name(f"010000260000000{i}"), pdf(str(i))) for i in (1, 2, 3)])
    response = upload(admin_client, ("faktur-juni.zip", archive))
    assert "3 files matched and stored" in response.get_data(as_text=True)
    assert "filesChanged" in response.headers["HX-Trigger"]
    with app.app_context():
        (entry,) = db.session.scalars(db.select(ActivityEntry).where(ActivityEntry.action == "files.uploaded"))
    assert entry.summary.startswith("Uploaded faktur-juni.zip: 3 files matched and stored (INV-F1, INV-F2, INV-F3)")


def test_each_unmatched_file_says_why(admin_client, app, numbered):
    fourth = make_invoice(app, number="INV-F4")
    generate(app, [fourth])
    response = upload(
        admin_client,
        (desktop_name("0100002600000001"), pdf("ok")),
        (desktop_name("0100002600000099"), pdf("nobody")),
        ("scan-of-invoice.pdf", pdf("noname")),
        (desktop_name("0100002600000002"), pdf("twice-1")),
        ("010.000-26.00000002.pdf", pdf("twice-2")),
        (desktop_name("0400002600000003"), pdf("wrong-code")),
        (desktop_name("0100002600000004"), b"this is not a pdf"),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 file matched and stored; 6 not matched" in body
    assert "no invoice holds E-Faktur No 010.000-26.00000099" in body
    assert "the name holds no E-Faktur No" in body
    assert body.count("the same number is in 2 files of this upload") == 2
    assert "has transaction code 04, but invoice INV-F3 has code 01" in body
    assert "not a PDF" in body
    assert [f.invoice_id for f in stored_files(app)] == [numbered[0]]


def test_a_file_over_the_pdf_limit_is_too_large(admin_client, app, numbered):
    app.config["EFAKTUR_MAX_PDF_BYTES"] = 2_000
    response = upload(
        admin_client,
        (desktop_name("0100002600000001"), pdf("small")),
        (desktop_name("0100002600000002"), pdf("big", size=3_000)),
    )
    body = response.get_data(as_text=True)
    assert "1 file matched and stored; 1 not matched" in body and "too large" in body
    # in a zip the same: that file alone
    archive = make_zip([(desktop_name("0100002600000003"), pdf("big", size=3_000))])
    assert "too large" in upload(admin_client, ("f.zip", archive)).get_data(as_text=True)
    assert len(stored_files(app)) == 1


def _encrypted(archive: bytes) -> bytes:
    """Set the 'encrypted' flag of every member (zipfile cannot write encrypted zips)."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | 0x1)
            start += 4
    return bytes(data)


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("path.zip", lambda: make_zip([("../outside.pdf", pdf())]), "holds a file with a path"),
        ("absolute.zip", lambda: make_zip([("/etc/x.pdf", pdf())]), "holds a file with a path"),
        ("drive.zip", lambda: make_zip([("C:\\Windows\\x.pdf", pdf())]), "holds a file with a path"),
        ("mixed.zip", lambda: make_zip([(desktop_name("0100002600000001"), pdf()), ("readme.txt", b"hello")]),
         "may hold only PDFs, and readme.txt is not a PDF"),
        ("bomb.zip", lambda: make_zip([(desktop_name("0100002600000001"), pdf() + b"\0" * 3_000_000)]), "zip bomb"),
        ("encrypted.zip", lambda: _encrypted(make_zip([(desktop_name("0100002600000001"), pdf())])), "encrypted"),
        ("broken.zip", lambda: b"PK\x03\x04" + b"garbage" * 100, "not a zip that can be read"),
        ("truncated.zip", lambda: make_zip([(desktop_name("0100002600000001"), pdf())])[:-30], "not a zip that can be read"),
        ("empty.zip", lambda: make_zip([]), "holds no PDF"),
    ],
)
def test_a_bad_zip_is_refused_whole_and_nothing_is_stored(admin_client, app, numbered, name, make, message):
    response = upload(admin_client, (name, make()), (desktop_name("0100002600000002"), pdf("loose")))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert stored_files(app) == []
    assert all(invoice(app, i).efaktur_reported_at is None for i in numbered)


def test_a_zip_that_unpacks_beyond_the_upload_limit_is_refused(admin_client, app, numbered):
    app.config["EFAKTUR_MAX_UPLOAD_BYTES"] = 50_000
    archive = make_zip([(desktop_name(f"010000260000000{i}"), pdf(str(i), size=20_000)) for i in (1, 2, 3)])
    response = upload(admin_client, ("big.zip", archive))
    assert response.status_code == 422 and "unpacks to" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_a_request_over_the_upload_limit_is_413_with_a_message(admin_client, app, numbered):
    app.config["EFAKTUR_MAX_UPLOAD_BYTES"] = 10_000
    response = upload(admin_client, (desktop_name("0100002600000001"), pdf("huge", size=2 * 2**20)))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_mac_system_files_in_a_zip_are_skipped(admin_client, app, numbered):
    archive = make_zip([(desktop_name("0100002600000001"), pdf()), ("__MACOSX/._x.pdf", b"\0\5\x16\7"), (".DS_Store", b"\0")])
    body = upload(admin_client, ("mac.zip", archive)).get_data(as_text=True)
    assert "1 file matched and stored." in body and "Skipped" in body


def test_a_second_upload_keeps_both_files_in_the_history(admin_client, app, numbered):
    first = pdf("first")
    upload(admin_client, (desktop_name("0100002600000001"), first))
    upload(admin_client, (desktop_name("0100002600000001", stamp="20260611090000"), pdf("second")))
    files = stored_files(app, numbered[0])
    assert len(files) == 2
    assert files[0].superseded_at is not None and files[1].superseded_at is None
    page = admin_client.get(f"/invoices/{numbered[0]}").get_data(as_text=True)
    assert page.count("20260610120000.pdf</a>") == 1 and page.count("20260611090000.pdf</a>") == 1
    assert "current" in page and "earlier" in page
    assert admin_client.get(f"/files/{files[0].id}/pdf").data == first


def test_a_reported_invoice_cannot_cancel_its_number_nor_be_edited(admin_client, app, numbered):
    from efaktur.invoices.services import InvoiceRefused, change_status
    from efaktur.numbers.ledger import LedgerRefused, cancel_number
    from tests.test_invoice_edit import edit

    upload(admin_client, (desktop_name("0100002600000001"), pdf()))
    with app.test_request_context():
        change_status(numbered[0], "cancelled")
        with pytest.raises(LedgerRefused, match="reported"):
            cancel_number(numbered[0])
    with pytest.raises(InvoiceRefused, match="replacement"):
        edit(app, numbered[0], customer_name="PT Changed")
    page = admin_client.get(f"/invoices/{numbered[0]}").get_data(as_text=True)
    assert "Cancel E-Faktur No" not in page and 'id="detail-reported"' in page


def test_a_replacement_pdf_replaces_and_the_export_says_so(admin_client, app, numbered):
    from efaktur.settings.services import save_company

    with app.test_request_context():
        save_company("PT Penjual", SELLER_15)
    upload(admin_client, (desktop_name("0100002600000001"), pdf("normal")))
    response = upload(admin_client, (desktop_name("0110002600000001", stamp="20260620000000"), pdf("replacement")))
    assert "replacement" in response.get_data(as_text=True)
    with app.app_context():
        live = db.session.scalars(db.select(NumberAssignment).where(NumberAssignment.invoice_id == numbered[0])).one()
    assert live.efaktur_no == "011.000-26.00000001"
    files = stored_files(app, numbered[0])
    assert [(f.replacement, f.superseded_at is None) for f in files] == [(False, False), (True, True)]
    table = admin_client.get("/files/?efaktur_status=replacement", headers={**HTMX, "HX-Target": "files-list"})
    assert "INV-F1" in table.get_data(as_text=True) and "Replacement" in table.get_data(as_text=True)
    csv_text = admin_client.post("/export/download", data={"format": "csv", "invoice_ids": str(numbered[0])}).get_data(as_text=True)
    assert '"FK","01","1","0002600000001"' in csv_text
    # The normal PDF uploaded again later goes into the history; the replacement stays current.
    upload(admin_client, (desktop_name("0100002600000001", stamp="20260621000000"), pdf("late normal")))
    current = [f for f in stored_files(app, numbered[0]) if f.superseded_at is None]
    assert [f.replacement for f in current] == [True]


def test_coretax_numbers_are_checked_and_then_match_coretax_pdfs(admin_client, app):
    set_company(app, SELLER_15)
    coretax_only = make_invoice(app, code="04", number="INV-CT", customer_email="a@b.co.id")
    other = make_invoice(app, code="04", number="INV-OTHER")

    def record(invoice_id, number):
        return admin_client.post(f"/invoices/{invoice_id}/coretax-number", data={"coretax_number": number}, headers=HTMX)

    for bad, message in (
        ("0400260000000001", "17 digits"),
        ("04002600000000x01", "17 digits"),
        ("01002600000000001", "transaction code 01"),
        ("04002500000000001", "year digits of 04002500000000001 are 25"),
    ):
        response = record(coretax_only, bad)
        assert response.status_code == 422 and message in response.get_data(as_text=True), bad
    assert record(coretax_only, "04002600000000001").status_code == 200
    taken = record(other, "04002600000000001")
    assert taken.status_code == 422 and "04002600000000001 belongs to invoice INV-CT" in taken.get_data(as_text=True)
    # Generate leaves an invoice with a Coretax number alone.
    refused = admin_client.post("/invoices/generate", data={"invoice_ids": str(coretax_only)}, headers=HTMX)
    assert "hold a Coretax number already" in refused.get_data(as_text=True)

    body = upload(admin_client, (coretax_pdf_name("04002600000000001"),
                                 coretax_pdf("INV-CT", "04002600000000001"))).get_data(as_text=True)
    assert "1 file matched and stored" in body
    assert invoice(app, coretax_only).efaktur_reported_at is not None
    # A Coretax replacement keeps the serial and changes the status code.
    body = upload(admin_client, (coretax_pdf_name("04012600000000001"),
                                 coretax_pdf("INV-CT", "04012600000000001"))).get_data(as_text=True)
    assert "replacement" in body
    assert invoice(app, coretax_only).coretax_number == "04012600000000001"
    assert record(coretax_only, "04002600000000009").status_code == 422  # the PDF decides it now


def _sending_app(app, port):
    """The app, now sending through the SMTP server on `port` (Flask-Mail reads its config at init_app)."""
    from efaktur.extensions import mail

    app.config.update(mail_config(port))
    mail.init_app(app)
    return app


def _upload_all(client, ids):
    upload(client, *[(desktop_name(f"01000026{n:08d}"), pdf(f"file {n}")) for n in range(1, len(ids) + 1)])
    with client.application.app_context():
        return list(db.session.scalars(db.select(EfakturFile.id).order_by(EfakturFile.id)))


def _send(client, file_ids, resend=False):
    """Press Send Email (or Resend), then let the dialog ask for slices until it is done."""
    data = {"file_ids": ",".join(map(str, file_ids))}
    if resend:
        data["resend"] = "1"
    asked = client.post("/files/send", data=data, headers=HTMX)
    if 'id="confirm-send-modal"' not in asked.get_data(as_text=True):
        return asked  # refused: nothing to confirm
    response = client.post("/files/send", data={**data, "confirmed": "1"}, headers=HTMX)
    rounds = 0
    while response.status_code == 200 and 'hx-post="/files/send/next"' in response.get_data(as_text=True):
        response = client.post("/files/send/next", data={"file_ids": data["file_ids"]}, headers=HTMX)
        rounds += 1
        assert rounds < 50
    return response


def test_send_email_attaches_the_pdf_byte_for_byte(admin_client, app, numbered):
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        file_ids = _upload_all(admin_client, numbered)
        response = _send(admin_client, file_ids)
        assert "Done: 3 sent of 3" in response.get_data(as_text=True)
        assert sorted(r for recipients, _ in sink.parsed() for r in recipients) == [
            "finance1@customer1.co.id", "finance2@customer2.co.id", "finance3@customer3.co.id"
        ]
        _, message = sorted(sink.parsed(), key=lambda m: m[0])[0]
    assert message["Subject"] == "e-Faktur 010.000-26.00000001 for invoice INV-F1 from PT Maju Jaya"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == desktop_name("0100002600000001")
    assert attachment.get_content() == pdf("file 1")
    assert "INV-F1" in message.get_body(("plain",)).get_content()
    assert "010.000-26.00000001" in message.get_body(("html",)).get_content()
    table = admin_client.get("/files/", headers={**HTMX, "HX-Target": "files-list"}).get_data(as_text=True)
    assert table.count('<span class="badge on">Sent</span>') == 3


def test_one_failing_address_fails_alone(admin_client, app, numbered):
    from tests.test_invoice_edit import edit

    edit(app, numbered[1], customer_email="nobody@customer2.co.id")
    with SmtpSink(refuse_recipient=lambda address: address.startswith("nobody@")) as sink:
        _sending_app(app, sink.port)
        file_ids = _upload_all(admin_client, numbered)
        response = _send(admin_client, file_ids)
        assert "Done: 2 sent, 1 failed of 3" in response.get_data(as_text=True)
        assert len(sink.messages) == 2
    files = stored_files(app)
    assert [f.email_status for f in files] == ["sent", "failed", "sent"]
    assert "Recipient address rejected" in files[1].email_error
    staff_view = app.test_client()
    staff_view.post("/login", data={"email": "staff@example.com", "password": "correct horse battery"})
    staff_table = staff_view.get("/files/").get_data(as_text=True)
    assert "Recipient address rejected" not in staff_table and "check the address, then Resend" in staff_table
    admin_table = admin_client.get("/files/").get_data(as_text=True)
    assert "Recipient address rejected" in admin_table


def test_send_refuses_by_name_rows_without_customer_email_and_rows_not_ready(admin_client, app, numbered):
    from tests.test_invoice_edit import edit

    edit(app, numbered[2], customer_email="")
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        file_ids = _upload_all(admin_client, numbered)
        refused = _send(admin_client, file_ids)
        assert refused.status_code == 422
        assert "1 invoice has no Customer Email (INV-F3)" in refused.get_data(as_text=True)
        assert sink.messages == []
        _send(admin_client, file_ids[:2])
        again = _send(admin_client, file_ids[:2])
        assert again.status_code == 422 and "use Resend" in again.get_data(as_text=True)
        resent = _send(admin_client, file_ids[:1], resend=True)
        assert "Done: 1 sent of 1" in resent.get_data(as_text=True)
        assert len(sink.messages) == 3


def test_without_a_mail_server_nothing_is_claimed(admin_client, app, numbered):
    file_ids = _upload_all(admin_client, numbered)
    app.config["MAIL_SERVER"] = None
    response = _send(admin_client, file_ids)
    assert response.status_code == 422 and "No mail server" in response.get_data(as_text=True)
    assert {f.email_status for f in stored_files(app)} == {"ready"}


def test_two_send_requests_at_once_send_each_file_once(app, numbered):
    from efaktur.files.mailing import send_slice

    more = [make_invoice(app, customer_email=f"c{i}@example.com") for i in range(9)]
    generate(app, more)
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        client = app.test_client()
        client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
        file_ids = _upload_all(client, numbered + more)
        barrier = threading.Barrier(2)
        errors = []

        def press_send():
            try:
                with app.test_request_context():
                    barrier.wait()
                    for _ in range(5):
                        send_slice(file_ids)
            except Exception as error:  # reported to the test below
                errors.append(error)

        threads = [threading.Thread(target=press_send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        recipients = [r for envelope in sink.messages for r in envelope.rcpt_tos]
    assert len(recipients) == len(file_ids) == 12
    assert len(set(recipients)) == 12
    assert {f.email_status for f in stored_files(app)} == {"sent"}


def test_a_send_left_half_done_stays_ready_and_an_interrupted_one_is_shown(admin_client, app, numbered):
    from datetime import timedelta

    from efaktur.files.mailing import plan_send
    from efaktur.rules.clock import utc_now

    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        file_ids = _upload_all(admin_client, numbered)
        admin_client.post("/files/send", data={"file_ids": ",".join(map(str, file_ids)), "confirmed": "1"}, headers=HTMX)
        # The browser closed before asking for a slice: nothing went, everything is Ready to Send.
        assert {f.email_status for f in stored_files(app)} == {"ready"} and sink.messages == []
        with app.app_context():
            stuck = db.session.get(EfakturFile, file_ids[0])
            stuck.email_status, stuck.email_claim, stuck.email_at = "sending", "dead-worker", utc_now() - timedelta(hours=1)
            db.session.commit()
        with app.test_request_context():
            plan_send(file_ids[1:])
        assert stored_files(app)[0].email_status == "unknown"  # it may have gone out before the worker died
        assert "interrupted" in stored_files(app)[0].email_error


def test_an_email_past_the_mail_timeout_is_unknown_and_resend_asks_first(admin_client, app, numbered):
    """The server answers after MAIL_TIMEOUT: the sending thread still delivers, so the file is not
    Failed (a Resend would send it twice) but Unknown, and Resend says so before sending again."""
    with SmtpSink(answer_after=2.5) as sink:
        _sending_app(app, sink.port)
        app.config["MAIL_TIMEOUT"] = 1
        (file_id, *_) = _upload_all(admin_client, numbered)
        done = _send(admin_client, [file_id]).get_data(as_text=True)
        assert "Done: 0 sent, 0 failed, 1 unknown of 1." in done
        assert "INV-F1: Unknown: check with the recipient before resending." in done
        assert stored_files(app)[0].email_status == "unknown"
        assert len(sink.messages) == 1  # the server has it and will deliver it: exactly why it is not "Failed"
        table = admin_client.get("/files/").get_data(as_text=True)
        assert "Unknown: check with the recipient before resending." in table

        asked = admin_client.post("/files/send", data={"file_ids": str(file_id), "resend": "1"}, headers=HTMX)
        body = asked.get_data(as_text=True)
        assert asked.status_code == 200 and 'id="resend-unknown"' in body
        assert "Unknown: check with the recipient before resending. The e-mail of invoice INV-F1 may have been " \
               "delivered already" in body
        assert 'name="unknown_checked" value="1"' in body
        assert stored_files(app)[0].email_status == "unknown" and len(sink.messages) == 1  # nothing sent yet

        app.config["MAIL_TIMEOUT"] = 10
        data = {"file_ids": str(file_id), "resend": "1", "unknown_checked": "1", "confirmed": "1"}
        response = admin_client.post("/files/send", data=data, headers=HTMX)
        while 'hx-post="/files/send/next"' in response.get_data(as_text=True):
            response = admin_client.post("/files/send/next", data={"file_ids": str(file_id)}, headers=HTMX)
        assert "Done: 1 sent of 1." in response.get_data(as_text=True)
        assert len(sink.messages) == 2 and stored_files(app)[0].email_status == "sent"


def test_a_refused_or_unreachable_server_is_failed_not_unknown(admin_client, app, numbered):
    """Known not delivered: Failed, and Resend sends again without asking."""
    with SmtpSink(reject_with="554 5.7.1 Message rejected") as sink:
        _sending_app(app, sink.port)
        (file_id, *_) = _upload_all(admin_client, numbered)
        assert "Done: 0 sent, 1 failed of 1." in _send(admin_client, [file_id]).get_data(as_text=True)
        assert stored_files(app)[0].email_status == "failed"
        again = admin_client.post("/files/send", data={"file_ids": str(file_id), "resend": "1"}, headers=HTMX)
        assert 'id="resend-unknown"' not in again.get_data(as_text=True)
        assert 'id="confirm-send-modal"' in again.get_data(as_text=True)  # asked as any send is


def test_send_email_says_how_many_e_mails_go_to_which_addresses_and_asks_first(admin_client, app, numbered):
    with SmtpSink() as sink:
        _sending_app(app, sink.port)
        file_ids = _upload_all(admin_client, numbered)
        with app.app_context():
            addresses = sorted({f.invoice_id: f for f in stored_files(app)})
            for number, invoice_id in enumerate(addresses):
                db.session.get(Invoice, invoice_id).customer_email = "ap@one.co.id" if number < 2 else "tax@two.co.id"
            db.session.commit()
        asked = admin_client.post("/files/send", data={"file_ids": ",".join(map(str, file_ids))}, headers=HTMX)
        body = asked.get_data(as_text=True)
        assert asked.status_code == 200 and 'id="confirm-send-modal"' in body
        assert f"{len(file_ids)} e-mails will go out, to:" in body
        assert "ap@one.co.id</span> (2 e-mails)" in body and "tax@two.co.id" in body
        assert f"Send {len(file_ids)} e-mails" in body
        assert sink.messages == [] and {f.email_status for f in stored_files(app)} == {"ready"}
        everything = admin_client.post("/files/send", data={"scope": "ready"}, headers=HTMX).get_data(as_text=True)
        assert 'id="confirm-send-modal"' in everything and sink.messages == []


def test_the_pdf_is_for_logged_in_users_only_and_served_as_an_attachment(client, auth, app, numbered):
    auth.login()
    upload(client, (desktop_name("0100002600000001"), pdf("secret")))
    file_id = stored_files(app)[0].id
    response = client.get(f"/files/{file_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert hashlib.sha256(response.data).hexdigest() == stored_files(app)[0].sha256
    auth.logout()
    anonymous = client.get(f"/files/{file_id}/pdf")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    auth.login()
    assert client.get("/files/999999/pdf").status_code == 404


def test_the_files_tab_lists_and_filters(admin_client, app, numbered):
    upload(admin_client, *[(desktop_name(f"010000260000000{i}"), pdf(str(i))) for i in (1, 2)])
    page = admin_client.get("/files/").get_data(as_text=True)
    for label in ("E-Faktur Files", "Upload", "E-Faktur No", "Invoice No", "Customer Name", "Email Status",
                  "E-Faktur Status", "Send Email", "Resend", "Send all Ready to Send", "Ready to Send", "Normal", "PDF"):
        assert label in page, label
    assert "010.000-26.00000001" in page and "INV-F2" in page
    sent_only = admin_client.get("/files/?email_status=sent", headers={**HTMX, "HX-Target": "files-list"})
    assert "file-row-" not in sent_only.get_data(as_text=True)
    for bad in ("email_status=<x>", "efaktur_status=%00", "page=99999999999999"):
        assert admin_client.get(f"/files/?{bad}").status_code == 200


def test_upload_without_files_or_with_junk_is_a_422(admin_client, app):
    assert admin_client.post("/files/upload", data={}, headers=HTMX).status_code == 422
    assert admin_client.post("/files/upload", json={"files": "x"}, headers=HTMX).status_code in (400, 415, 422)
    response = upload(admin_client, ("notes.txt", b"plain text"))
    assert response.status_code == 200 and "not a PDF" in response.get_data(as_text=True)


def test_a_claim_that_waited_for_another_takes_nothing_the_other_took(app, numbered):
    """Deterministic form of the race above: the second claim starts while the first one's
    transaction is still open, waits for its row locks, and must then find the rows taken."""
    from sqlalchemy import text

    from efaktur.files.mailing import _claim

    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
    file_ids = _upload_all(client, numbered)
    with app.app_context():
        engine = db.engine
    first = engine.connect()
    if engine.dialect.name == "sqlite":  # take the write lock at BEGIN, as the app's writers do
        first = first.execution_options(efaktur_sqlite_begin="IMMEDIATE")
    first.begin()
    first.execute(
        text("UPDATE efaktur_file SET email_status = 'sending', email_claim = 'first' WHERE email_status = 'ready'")
    )
    taken = {}

    def second_claim():
        with app.test_request_context():
            taken["second"] = _claim(file_ids, 20, "second")

    thread = threading.Thread(target=second_claim)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive(), "the second claim should wait for the first one's locks"
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert taken["second"] == []
