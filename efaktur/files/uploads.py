"""Reading an upload of e-Faktur PDFs (several PDFs, or a zip of them) safely. Pure: no Flask.

A zip is read member by member, never whole into memory, and is refused as a whole (with
a message, before anything is stored) when it is broken or encrypted, names a file with a
path (``../x.pdf``, ``/etc/x``, ``C:\\x``), holds something that is not a PDF, or would
unpack to more than the limits allow (a zip bomb: too many files, too many bytes in all, or
a member that unpacks to far more than it packs, or to more than its header says).
Problems of one file (too large, not a PDF when uploaded on its own) are that file's alone.
"""
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from efaktur.language.lang import decimal, gettext, number

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # the PDF header may follow up to 1 KB of junk
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SYSTEM_FILES = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


class UploadRefused(ValueError):
    """The whole upload is refused; nothing of it may be stored. The message is for the user."""


class FileProblem(ValueError):
    """One file cannot be taken; the others can. The message is for the user."""


@dataclass(frozen=True)
class UploadLimits:
    max_pdf_bytes: int = 5 * 2**20
    max_upload_bytes: int = 200 * 2**20  # everything, unpacked
    max_files: int = 10_000
    max_ratio: int = 100  # unpacked / packed size of one zip member


def megabytes(size: int) -> str:
    """5,0 MB in Indonesian, 5.0 MB in English; whole megabytes from 10 MB."""
    return f"{decimal(size / 2**20, 1)} MB" if size < 10 * 2**20 else f"{number(round(size / 2**20))} MB"


def is_pdf(head: bytes) -> bool:
    return PDF_MAGIC in head[:PDF_HEADER_WINDOW]


@dataclass
class UploadedFile:
    """One PDF of the upload: its name, and a way to read it again within the limits."""

    name: str  # as the user knows it: "faktur.zip: 0100002600000001.pdf" or the file's own name
    file_name: str  # the base name, stored with the file
    declared_size: int
    from_zip: bool
    open: Callable[[], BinaryIO] = field(repr=False)
    skipped: str | None = None  # an operating system's own file inside a zip

    def read(self, limits: UploadLimits) -> bytes:
        """The whole file, at most max_pdf_bytes; raises FileProblem or (for a lying zip) UploadRefused."""
        if self.declared_size > limits.max_pdf_bytes:
            raise FileProblem(gettext("too large (%(size)s; at most %(limit)s)", size=megabytes(self.declared_size),
                                       limit=megabytes(limits.max_pdf_bytes)))
        try:
            with self.open() as stream:
                content = stream.read(limits.max_pdf_bytes + 1)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
            raise UploadRefused(gettext("The zip is broken (%(file_name)s: %(error)s). Nothing was stored.",
                                        file_name=self.file_name, error=error)) from None
        if len(content) > limits.max_pdf_bytes:
            if self.from_zip:
                raise UploadRefused(
                    gettext("%(file_name)s unpacks to more than its zip header says: the zip was refused, nothing "
                            "was stored.", file_name=self.file_name)
                )
            raise FileProblem(gettext("too large (more than %(megabytes)s)",
                                      megabytes=megabytes(limits.max_pdf_bytes)))
        if not is_pdf(content):
            if self.from_zip:
                raise UploadRefused(
                    gettext("The zip may hold only PDFs, and %(file_name)s is not a PDF. Nothing was stored.",
                            file_name=self.file_name)
                )
            raise FileProblem(gettext("not a PDF"))
        return content


def shown_name(text: str) -> str:
    """A name from an upload as the page and the activity log show it: no control characters and no
    text-direction overrides (they could make a name read as another), at most 300 characters."""
    return "".join(c for c in text if c.isprintable())[:300]


def _base_name(name: str) -> str:
    """The file's own name, without folders and without characters no file name should hold."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:255]


def _zip_members(name: str, stream: BinaryIO, limits: UploadLimits) -> list[UploadedFile]:
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise UploadRefused(gettext("%(name)s is not a zip that can be read (%(error)s). Nothing was stored.",
                                    name=name, error=error)) from None
    members, unpacked = [], 0
    for info in infos:
        member = info.filename
        path = member.replace("\\", "/")
        if path.startswith("/") or _DRIVE.match(path) or ".." in path.split("/"):
            raise UploadRefused(gettext("%(name)s holds a file with a path (%(member)s): the zip was refused, "
                                        "nothing was stored.", name=name, member=shown_name(member)))
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UploadRefused(gettext("%(name)s is encrypted; upload a zip without a password. Nothing was stored.",
                                        name=name))
        if _SYSTEM_FILES.search(path):
            members.append(UploadedFile(f"{name}: {shown_name(member)}", _base_name(member), info.file_size, True,
                                        lambda: io.BytesIO(), skipped=gettext("skipped: a file of the operating system")))
            continue
        unpacked += info.file_size
        if info.file_size > 64 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UploadRefused(
                gettext("%(member)s in %(name)s unpacks to %(count)s times its packed size: the zip was refused as " "a zip bomb, nothing was stored.", member=shown_name(member), name=name, count=info.file_size // max(info.compress_size, 1))
            )
        members.append(
            UploadedFile(f"{name}: {shown_name(member)}", _base_name(member), info.file_size, True,
                         lambda info=info: archive.open(info))
        )
    if len(members) > limits.max_files:
        raise UploadRefused(gettext("%(name)s holds %(count)s files; at most %(max_files)s go in one upload.",
                                    name=name, count=len(members), max_files=limits.max_files))
    if unpacked > limits.max_upload_bytes:
        raise UploadRefused(
            gettext("%(name)s unpacks to %(size)s; an upload may hold at most %(limit)s. Nothing was stored.",
                    name=name,
                    size=megabytes(unpacked), limit=megabytes(limits.max_upload_bytes))
        )
    if not any(m.skipped is None for m in members):
        raise UploadRefused(gettext("%(name)s holds no PDF.", name=name))
    return members


def _size_of(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def list_files(uploads: list[tuple[str, BinaryIO]], limits: UploadLimits) -> list[UploadedFile]:
    """The PDFs of an upload: each uploaded file, or the members of an uploaded zip."""
    files: list[UploadedFile] = []
    for name, stream in uploads:
        name = _base_name(name or "") or gettext("(no name)")
        stream.seek(0)
        head = stream.read(4)
        stream.seek(0)
        if head in ZIP_MAGIC or name.lower().endswith(".zip"):
            files.extend(_zip_members(name, stream, limits))
        else:
            def reopen(stream=stream):
                stream.seek(0)
                return _Unclosed(stream)

            files.append(UploadedFile(name, name, _size_of(stream), False, reopen))
    if len(files) > limits.max_files:
        raise UploadRefused(gettext("%(count)s files in one upload; at most %(max_files)s.",
                                    count=len(files), max_files=limits.max_files))
    total = sum(f.declared_size for f in files if f.skipped is None)
    if total > limits.max_upload_bytes:
        raise UploadRefused(gettext("The upload holds %(size)s; at most %(limit)s.", size=megabytes(total),
                                    limit=megabytes(limits.max_upload_bytes)))
    return files


class _Unclosed(io.RawIOBase):
    """The uploaded file's own stream, lent to a `with` block that must not close it."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def readable(self) -> bool:
        return True

    def close(self) -> None:  # the request owns the stream
        pass
