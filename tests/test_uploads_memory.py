"""Memory bounded by configuration, not by the request: uploaded parts beyond a small budget go to disk,
and a gunicorn worker taking the largest accepted upload of separate PDFs stays within a stated bound."""
import http.client
import io
import os
import re
from tempfile import SpooledTemporaryFile

import pytest

from tests.test_servers import Gunicorn

WORKER_BOUND_MB = 64  # the largest accepted upload of separate files (200 MB) grows a worker by at most this


def _memory_held(files) -> int:
    """Bytes of uploaded parts still held in memory (not rolled over to a temporary file)."""
    held = 0
    for storage in files:
        stream = storage.stream
        if isinstance(stream, SpooledTemporaryFile) and not stream._rolled:
            stream.seek(0, io.SEEK_END)
            held += stream.tell()
    return held


def test_parts_stay_in_memory_only_up_to_the_budget(sqlite_app):
    app = sqlite_app
    app.config["EFAKTUR_UPLOAD_MEMORY_BYTES"] = 1 * 2**20
    parts = [(io.BytesIO(b"%PDF-1.4\n" + b"x" * 60_000), f"part-{n}.pdf") for n in range(40)]  # 2.4 MB, each < 64 KB
    with app.test_request_context("/files/upload", method="POST", data={"files": parts},
                                  content_type="multipart/form-data"):
        from flask import request

        files = request.files.getlist("files")
        assert len(files) == 40
        held = _memory_held(files)
        assert 0 < held <= 1 * 2**20  # the budget, not 2.4 MB
        assert sum(1 for f in files if not isinstance(f.stream, SpooledTemporaryFile)) >= 20  # the rest on disk


def test_a_part_larger_than_the_spool_goes_to_disk(sqlite_app):
    with sqlite_app.test_request_context("/files/upload", method="POST",
                                         data={"files": [(io.BytesIO(b"%PDF-" + b"y" * 200_000), "big.pdf")]},
                                         content_type="multipart/form-data"):
        from flask import request

        (storage,) = request.files.getlist("files")
        assert isinstance(storage.stream, SpooledTemporaryFile) and storage.stream._rolled


def _proc_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def _workers(master_pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == master_pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc to measure a worker")
def test_the_largest_upload_of_separate_pdfs_keeps_a_worker_within_its_bound(app, database_uri, tmp_path):
    """400 PDFs of 501,000 bytes (under Werkzeug's own 500 KB spool size), as separate parts: about 190 MB."""
    server = Gunicorn(database_uri, tmp_path, "--workers", "1", "--timeout", "120")
    try:
        cookie = server.login()
        (worker,) = _workers(server.process.pid)
        with open(f"/proc/{worker}/clear_refs", "w") as refs:
            refs.write("5")
        before = _proc_kb(worker, "VmRSS")
        boundary = "efaktur-memory-test"
        body = b"%PDF-1.4\n" + os.urandom(501_000 - 20) + b"\n%%EOF\n"
        heads = [(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"faktur-{n:03d}.pdf\"\r\n"
                  "Content-Type: application/pdf\r\n\r\n").encode() for n in range(400)]
        tail = f"--{boundary}--\r\n".encode()
        length = sum(len(h) + len(body) + 2 for h in heads) + len(tail)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.putrequest("POST", "/files/upload")
        for name, value in (("Cookie", cookie), ("HX-Request", "true"),
                            ("Content-Type", f"multipart/form-data; boundary={boundary}"), ("Content-Length", str(length))):
            conn.putheader(name, value)
        conn.endheaders()
        for head in heads:
            conn.send(head + body + b"\r\n")
        conn.send(tail)
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        growth_mb = (_proc_kb(worker, "VmHWM") - before) / 1024
    finally:
        server.stop()
    assert response.status == 200, page[:500]
    assert len(re.findall("faktur-\\d{3}\\.pdf", page)) >= 400  # every file answered (none matched: no such numbers)
    assert growth_mb <= WORKER_BOUND_MB, f"the worker grew by {growth_mb:.0f} MB"


def test_more_separate_files_than_the_limit_are_refused_with_a_message(admin_client, app, htmx_headers):
    app.config["EFAKTUR_MAX_UPLOAD_PARTS"] = 3
    parts = [(io.BytesIO(b"%PDF-1.4 x"), f"p{n}.pdf") for n in range(20)]
    response = admin_client.post("/files/upload", data={"files": parts}, headers=htmx_headers,
                                 content_type="multipart/form-data")
    assert response.status_code == 413
    assert "at most 3 separate files (put more in a zip)" in response.get_data(as_text=True)
