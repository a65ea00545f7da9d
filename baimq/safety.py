"""Refuse hostile or broken workbooks before any parser sees them.

:func:`inspect_file` looks at a file's *content* (never its extension) and returns the
workbook format (``"xlsx"``, ``"xlsm"``, ``"xls"``, ``"xlsb"``, ``"ods"``), or raises
:class:`baimq.errors.DataError` with a Chinese message and a stable ``code``:

=============== ===========================================================================
empty_file      0 bytes
not_spreadsheet a PDF, picture, text/CSV, web page or Word/PowerPoint file, a plain ZIP, an
                OLE file without a Workbook/Book stream
truncated       a damaged container: zip without (or with a bad) central directory, local
                headers that disagree with it, an OLE file whose sectors run past its end
zip_bomb        a member (or all members) would unpack past :class:`Limits`, a compression
                ratio no real return reaches, too many members, overlapping member data
xml_entities    a ``<!DOCTYPE``/``<!ENTITY`` in an XML member's prologue (entity expansion,
                external entities): no workbook written by Excel, WPS or LibreOffice has one
encrypted       an open password: OLE container with ``EncryptionInfo``/``EncryptedPackage``
                (encrypted xlsx), a legacy .xls with a FILEPASS record, a zip member with the
                encryption flag, an ODS whose manifest lists ``encryption-data``
=============== ===========================================================================

Macros are not an error: an ``.xlsm`` (or an ``.xlsx`` that carries ``vbaProject.bin``) is
returned as ``"xlsm"``; the readers never run VBA, and :attr:`Inspection.warnings` holds the
``macro`` finding the loader may show ("含宏，已忽略，未执行").

How the checks stay cheap: nothing is decompressed to measure it. The zip checks read the
end-of-central-directory record, the central directory (through :mod:`zipfile`) and each
member's 30-byte local header; the XML check streams at most ``Limits.prologue_bytes`` of each
member through ``ZipFile.open``. A lying header (a deflate stream longer than its declared
``file_size``) cannot be caught without inflating, so it is left to the readers, which both
stop at the declared size: :mod:`zipfile` (openpyxl) returns at most ``file_size`` bytes, and
python-calamine 0.9.1 raises "File is larger than its declared uncompressed size" (measured:
a 0.5 MB member inflating to 500 MiB was refused at 13 MB peak RSS; tests/test_safety.py pins
this). The layout check ties the declared compressed sizes to the bytes actually in the file,
and deflate cannot exceed ~1032:1, which bounds what a lie could hide.

OLE (CFB) files are read with a tiny directory reader (header, DIFAT, FAT, directory, and the
first bytes of one stream): no new dependency, and stream names are matched exactly rather
than by searching the raw bytes for UTF-16 strings.
"""
from __future__ import annotations

import io
import os
import re
import struct
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NoReturn

from .errors import DataError, Finding

__all__ = ["Limits", "Inspection", "inspect_file", "inspect_workbook", "MACRO_WARNING", "FORMATS"]

FORMATS = ("xlsx", "xlsm", "xls", "xlsb", "ods")
MACRO_WARNING = "含宏，已忽略，未执行"

KB, MB, GB = 1024, 1024 ** 2, 1024 ** 3
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_HEAD_BYTES = 4096
_IN_MEMORY_BYTES = 8 * MB


@dataclass(frozen=True)
class Limits:
    """Bounds a workbook must stay within before it is parsed.

    The defaults are far above any real return. Measured (openpyxl 3.1 / XlsxWriter 3.3):
    a county table's members compress 4-7:1; the most repetitive sheets we could make
    (20,000 x 12 zeros, 400,000 styled empty cells) 14-17:1. Hence ``max_ratio`` 200.

    Attributes
    ----------
    max_member_bytes : int
        Largest declared uncompressed size of one zip member (200 MB).
    max_total_bytes : int
        Largest sum of declared uncompressed sizes (1 GB).
    max_ratio : float
        Largest ``file_size / compress_size`` of a member (200).
    max_members : int
        Most members in one zip (10,000).
    ratio_floor_bytes : int
        Members declaring less than this (1 MB) are not ratio-checked: a small member cannot
        hurt, and a long repeated string in sharedStrings.xml compresses far beyond 200:1.
    prologue_bytes : int
        Most bytes read from one member when looking for a DOCTYPE (64 KB).
    """

    max_member_bytes: int = 200 * MB
    max_total_bytes: int = 1 * GB
    max_ratio: float = 200.0
    max_members: int = 10_000
    ratio_floor_bytes: int = 1 * MB
    prologue_bytes: int = 64 * KB

    @classmethod
    def from_config(cls, project=None) -> "Limits":
        """Limits from the optional ``[limits]`` table of the project's ``baimq.toml``.

        Parameters
        ----------
        project : Project, path or None
            As accepted by :func:`baimq.config.get_project`. Keys left out keep their default.
        """
        from .config import get_project

        path = get_project(project).path
        if path is None or not Path(path).is_file():
            return cls()
        with open(path, "rb") as fh:
            table = tomllib.load(fh).get("limits", {})
        known = {f.name for f in fields(cls)}
        values = {}
        for key, value in table.items():
            if key not in known:
                raise DataError(f"[limits] 中有未知的设置「{key}」；可用：{'、'.join(sorted(known))}",
                                file=Path(path).name, code="config", value=key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise DataError(f"[limits] 的「{key}」须为正数", file=Path(path).name,
                                code="config", value=str(value))
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect_workbook` found: the format, whether VBA is present, warnings.

    ``members`` holds the zip members the checks read to their end (short ones: workbook,
    relationships, often a county return's sheet), name → bytes, so that the reader need not
    open the package again for them.
    """

    format: str
    macros: bool = False
    warnings: tuple[Finding, ...] = ()
    members: dict = field(default_factory=dict, compare=False, repr=False)


def inspect_file(path: str | os.PathLike, limits: Limits | None = None, *,
                 name: str | None = None) -> str:
    """The workbook format of *path* by content, or :class:`DataError` if it must not be read.

    Parameters
    ----------
    path : path-like
        The file to look at. Only its first bytes, zip directory and XML prologues are read.
    limits : Limits, optional
        Defaults to ``Limits()``; pass ``Limits.from_config(project)`` for a project's own.
    name : str, optional
        How the file is named in messages (default: the file name, never an absolute path).

    Returns
    -------
    str
        One of :data:`FORMATS`.
    """
    return inspect_workbook(path, limits, name=name).format


def inspect_workbook(path: str | os.PathLike, limits: Limits | None = None, *,
                     name: str | None = None) -> Inspection:
    """Like :func:`inspect_file`, also telling whether the workbook carries macros."""
    limits = limits or Limits()
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        _refuse(name, "not_found", "找不到该文件（或它不是文件），请检查路径。")
    size = path.stat().st_size
    if size == 0:
        _refuse(name, "empty_file", "是空文件（0 字节），可能下载或拷贝未完成，请重新获取报表。")
    with open(path, "rb") as raw:
        # A small file is read once: every later seek and read (zip directory, local
        # headers, member data) is then a memory operation, not a system call.
        fh = io.BytesIO(raw.read()) if size <= _IN_MEMORY_BYTES else raw
        head = fh.read(_HEAD_BYTES)
        members: dict = {}
        if head.startswith(ZIP_MAGIC):
            fmt, macros = _inspect_zip(fh, size, name, limits, members)
        elif head.startswith(OLE_MAGIC):
            fmt, macros = _inspect_ole(fh, size, name), False
        else:
            _refuse(name, "not_spreadsheet", _not_a_workbook(head))
    warnings = (Finding("warning", "macro", MACRO_WARNING, file=name),) if macros else ()
    return Inspection(fmt, macros, warnings, members)


def _refuse(name: str, code: str, message: str, value: str = "") -> NoReturn:
    raise DataError(message, file=name, code=code, value=value)


def _size_text(n: float) -> str:
    for unit, step in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{int(n)} 字节"


# --------------------------------------------------------------------------- not a workbook

_SAVE_AS = "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。"
_MAGIC_KINDS = (
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!\x1a\x07", "RAR 压缩包，请先解压"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包，请先解压"),
    (b"{\\rtf", "RTF 文档"),
)


def _not_a_workbook(head: bytes) -> str:
    """A Chinese sentence saying what *head* looks like instead of a workbook."""
    for magic, kind in _MAGIC_KINDS:
        if head.startswith(magic):
            return f"不是 Excel 工作簿：内容是{kind}。请向报送单位索取 .xlsx 或 .xls 原表。"
    text = _as_text(head)
    if text is None:
        return "不是 Excel 工作簿：无法识别的文件格式（与扩展名不符）。请向报送单位索取 .xlsx 或 .xls 原表。"
    low = text.lstrip("\ufeff \t\r\n").lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return "不是本程序能读的工作簿：内容是“XML 表格 2003”格式。" + _SAVE_AS
    if low.startswith(("<!doctype html", "<html", "<table", "<meta")) or "<table" in low:
        return "不是 Excel 工作簿：内容是网页（HTML），常见于业务系统导出的“.xls”。" + _SAVE_AS
    if low.startswith("<"):
        return "不是 Excel 工作簿：内容是 XML 文本。" + _SAVE_AS
    return "不是 Excel 工作簿：内容是纯文本或 CSV（可能只是改了扩展名）。" + _SAVE_AS


def _as_text(head: bytes) -> str | None:
    """*head* decoded if it looks like text (no NUL, valid UTF-8/UTF-16/GB18030), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sample
                return head[:exc.start].decode(encoding)
    return None


# --------------------------------------------------------------------------- zip containers

# What zipfile raises on a damaged archive: bad names (UnicodeDecodeError is a ValueError),
# short structures (struct.error), unknown compression, inflate errors, encrypted members.
_ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, ValueError,
                 EOFError, OSError, NotImplementedError, RuntimeError, IndexError, KeyError)


def _inspect_zip(fh, size: int, name: str, limits: Limits, members: dict | None = None) -> tuple[str, bool]:
    entries, cd_offset = _end_record(fh, size, name)
    if entries > limits.max_members:
        _refuse(name, "zip_bomb", f"压缩包内有 {entries} 个部件，超过上限 {limits.max_members} 个，"
                "疑似压缩炸弹，已拒绝读取。")
    try:
        zf = zipfile.ZipFile(fh)
    except _ZIP_FAILURES as exc:
        _refuse(name, "truncated", f"文件已损坏或不完整（ZIP 目录无法读取：{exc}），"
                "可能下载或拷贝中断，请重新获取。")
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(zf.infolist()) != entries:
            _refuse(name, "truncated", "文件已损坏：ZIP 目录记录的部件数与实际不符。")
        _check_sizes(infos, name, limits)
        data_at = _check_layout(fh, infos, zf.start_dir, name)
        whole = {}   # members the prologue scan read to their end (and CRC-checked)
        for info in infos:
            at = data_at.get(id(info))
            found = _quick_member(fh, info, at, limits) if at is not None else None
            if found is not None:   # the whole member, inflated and CRC-checked
                _quick_prologue(found, info, name, limits)
                buf = found
            else:
                buf = _check_prologue(zf, info, name, limits, fh, at)
            if len(buf) == info.file_size:
                whole[id(info)] = buf
                if members is not None and zf.getinfo(info.filename) is info:
                    members[info.filename] = buf   # what zf.read(name) would give
        return _zip_format(zf, name, whole)


def _end_record(fh, size: int, name: str) -> tuple[int, int]:
    """(entries, central directory offset) from the end-of-central-directory record.

    Read before :class:`zipfile.ZipFile` builds a ZipInfo per entry, so that a directory of
    millions of entries is refused without building them.
    """
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        _refuse(name, "truncated", "文件不完整：ZIP 结尾目录缺失（文件可能被截断），请重新获取。")
    _, _, _, _, entries, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries == 0xFFFF or cd_offset == 0xFFFFFFFF:  # ZIP64: the real numbers are elsewhere
        loc = tail[at - 20:at] if at >= 20 else b""
        if not loc.startswith(b"PK\x06\x07"):
            _refuse(name, "truncated", "文件已损坏：ZIP64 目录定位记录缺失。")
        fh.seek(struct.unpack("<4sLQL", loc)[2])
        rec = fh.read(56)
        if len(rec) < 56 or not rec.startswith(b"PK\x06\x06"):
            _refuse(name, "truncated", "文件已损坏：ZIP64 结尾目录缺失。")
        entries, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
    if cd_offset + cd_size > size:
        _refuse(name, "truncated", "文件不完整：ZIP 目录超出文件末尾（文件可能被截断），请重新获取。")
    return entries, cd_offset


def _check_sizes(infos, name: str, limits: Limits) -> None:
    """Refuse declared sizes and ratios beyond *limits* (ZipInfo only: nothing is inflated)."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            _refuse(name, "encrypted", f"压缩包部件「{info.filename}」设置了密码（已加密），程序无法读取。"
                    "请报送单位取消密码后重新报送。")
        if info.file_size > limits.max_member_bytes:
            _refuse(name, "zip_bomb", f"部件「{info.filename}」解压后声明 {_size_text(info.file_size)}，"
                    f"超过单个部件上限 {_size_text(limits.max_member_bytes)}，疑似压缩炸弹，已拒绝读取。")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
            _refuse(name, "zip_bomb", f"部件「{info.filename}」压缩比 {ratio:.0f}:1，远超正常报表"
                    f"（不到 20:1，上限 {limits.max_ratio:.0f}:1），疑似压缩炸弹，已拒绝读取。")
        total += info.file_size
    if total > limits.max_total_bytes:
        _refuse(name, "zip_bomb", f"全部部件解压后共 {_size_text(total)}，超过上限 "
                f"{_size_text(limits.max_total_bytes)}，疑似压缩炸弹，已拒绝读取。")


def _check_layout(fh, infos, start_dir: int, name: str) -> dict[int, int]:
    """Declared compressed sizes must fit, without overlap, before the central directory.

    Overlapping members (many directory entries pointing into one deflate stream) are how the
    biggest zip bombs multiply a single kernel; a local header whose sizes disagree with the
    central directory is a lying or damaged file. Returns where each member's data starts
    (by ``id`` of its ZipInfo), for :func:`_check_prologue`.
    """
    data_at = {}
    raw_names = {id(i): _raw_name(i) for i in infos}
    declared = sum(i.compress_size + 30 + len(raw_names[id(i)]) for i in infos)
    if declared > start_dir:
        _refuse(name, "zip_bomb", "ZIP 目录声明的压缩数据总量超过文件实际大小（部件数据相互重叠），"
                "疑似压缩炸弹，已拒绝读取。")
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for info, nxt in zip(ordered, ordered[1:] + [None]):
        fh.seek(info.header_offset)
        local = fh.read(30 + len(raw_names[id(info)]))
        if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
            _refuse(name, "truncated", f"文件已损坏：部件「{info.filename}」的本地文件头缺失。")
        _, flags, _, _, _, _, csize, usize, nlen, xlen = struct.unpack("<5H3L2H", local[4:30])
        end = info.header_offset + 30 + nlen + xlen + info.compress_size
        limit = nxt.header_offset if nxt is not None else start_dir
        if end > limit:
            _refuse(name, "zip_bomb", f"部件「{info.filename}」的数据与其他部件重叠或越界，"
                    "疑似压缩炸弹，已拒绝读取。")
        if not flags & 0x08 and 0xFFFFFFFF not in (csize, usize) and \
                (csize, usize) != (info.compress_size, info.file_size):
            _refuse(name, "truncated", f"文件已损坏：部件「{info.filename}」本地文件头记录的大小"
                    "与 ZIP 目录不一致。")
        if _plain_member(info, flags, local[30:30 + nlen]):
            data_at[id(info)] = info.header_offset + 30 + nlen + xlen
    return data_at


def _plain_member(info: zipfile.ZipInfo, local_flags: int, local_name: bytes) -> bool:
    """A stored or deflated member, unencrypted, whose local name matches the directory: the
    checks ``ZipFile.open`` makes before it returns its reader. Anything else goes through
    ``ZipFile.open`` itself."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x61:
        return False
    try:
        local = local_name.decode("ascii" if local_name.isascii() else "utf-8" if local_flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return False
    return local == info.orig_filename


def _open_member(zf: zipfile.ZipFile, fh, info: zipfile.ZipInfo, data_at: int | None):
    """``zf.open(info)``, or for a plain member the same reader (:class:`zipfile.ZipExtFile`)
    on the already open file: the local header was checked by :func:`_check_layout`, so the
    per-member set-up of ``ZipFile.open`` (a second file handle, the header read again) is
    spared. It dominated the prologue scan of a small workbook."""
    if data_at is None:
        return zf.open(info)
    fh.seek(data_at)
    return zipfile.ZipExtFile(fh, "r", info, None, False)


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    if info.orig_filename.isascii():   # the same bytes in UTF-8 and cp437 (whose codec is slow)
        return info.orig_filename.encode("ascii")
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")


def _check_prologue(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits,
                    fh=None, data_at: int | None = None) -> bytes:
    """Refuse an XML member whose prologue declares a DOCTYPE (hence entities); returns the
    bytes read (the whole member when it is short)."""
    try:
        with _open_member(zf, fh, info, data_at) as member:
            buf, verdict = _read_prologue(member.read, limits)
    except _ZIP_FAILURES as exc:
        _refuse(name, "truncated", f"文件已损坏：部件「{info.filename}」无法解压（{exc}）。")
    _prologue_refusal(verdict, buf, info, name, limits)
    return buf


def _prologue_refusal(verdict: str, buf: bytes, info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    if verdict == "doctype":
        _refuse(name, "xml_entities", f"部件「{info.filename}」含 DOCTYPE/ENTITY 声明（XML 实体），"
                "正常工作簿不会有，可能是恶意文件，已拒绝读取。")
    if verdict == "odd":
        _refuse(name, "xml_entities", f"部件「{info.filename}」的 XML 开头结构异常（根元素前有多余内容"
                "或声明了不支持的编码），可能是恶意文件，已拒绝读取。")
    if verdict == "more" and len(buf) >= limits.prologue_bytes:
        _refuse(name, "xml_entities", f"部件「{info.filename}」的 XML 开头超过 "
                f"{_size_text(limits.prologue_bytes)} 仍未见根元素，可能是恶意文件，已拒绝读取。")


_QUICK = 512


def _quick_member(fh, info: zipfile.ZipInfo, data_at: int, limits: Limits) -> bytes | None:
    """The whole content of a short plain member, inflated in one call, when its data is
    sound: exactly ``file_size`` bytes, a complete deflate stream within ``compress_size``,
    the directory's CRC. Else None, and :func:`_check_prologue` reads it as before (and says
    what is wrong). A sound member reads the same through ``ZipFile.open`` in any chunks,
    without error, so the prologue verdict can be taken on its bytes directly."""
    if (type(limits.prologue_bytes) is not int or info.file_size > limits.prologue_bytes
            or info.compress_size > 2 * limits.prologue_bytes + 1024):
        return None
    fh.seek(data_at)
    comp = fh.read(info.compress_size)
    if len(comp) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            return None
        data = comp
    else:
        try:
            d = zlib.decompressobj(-15)
            data = d.decompress(comp, info.file_size + 1)
        except zlib.error:
            return None
        if not d.eof or len(data) != info.file_size:
            return None
    if zlib.crc32(data) != info.CRC:
        return None
    return data


# The usual first bytes of a workbook's XML member: the declaration (UTF-8), then the root
# element. _prologue_verdict gives "clean" for any buffer starting so.
_USUAL_PROLOGUE = re.compile(rb'<\?xml version="1\.0" encoding="(?:UTF-8|utf-8)"(?: standalone="(?:yes|no)")?\?>'
                             rb'[ \t\r\n]{0,64}<[A-Za-z_]')


def _quick_prologue(content: bytes, info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    """:func:`_check_prologue` on a member already inflated (:func:`_quick_member`): the same
    4 KB steps, the same verdicts and refusals."""
    if _USUAL_PROLOGUE.match(content):
        return   # "clean" on the first step
    buf, verdict = _read_prologue(io.BytesIO(content).read, limits)
    _prologue_refusal(verdict, buf, info, name, limits)


def _read_prologue(read, limits: Limits) -> tuple[bytes, str]:
    """(bytes read, verdict) of a member's prologue, read in 4 KB steps with *read*.

    A prologue is short: decide on the first bytes when they suffice (a verdict on a prefix
    is the verdict on the whole, or "more"); stop at ``limits.prologue_bytes``.
    """
    buf, verdict = b"", "more"
    while verdict == "more" and len(buf) < limits.prologue_bytes:
        chunk = read(min(4096, limits.prologue_bytes - len(buf)))
        if not chunk:
            break
        buf += chunk
        verdict = _prologue_verdict(buf[:_QUICK]) if len(buf) > _QUICK else "more"
        if verdict == "more":
            verdict = _prologue_verdict(buf)
    return buf, verdict


def _decode_xml(buf: bytes) -> str:
    """*buf* as text, the encoding told by its BOM or first bytes (XML 1.0 appendix F)."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                          (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"),
                          (b"\xfe\xff", "utf-16-be"), (b"<\x00\x00\x00", "utf-32-le"),
                          (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00", "utf-16-le"),
                          (b"\x00<", "utf-16-be")):
        if buf.startswith(bom):
            return buf.decode(encoding, "ignore").lstrip("\ufeff")
    return buf.decode("utf-8", "ignore")


# Encodings a workbook's XML may declare. Excel, WPS and LibreOffice write UTF-8; anything
# outside this list (UTF-7 above all, which spells "<!DOCTYPE" as "+ADw-!DOCTYPE") is refused.
_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii",
                  "iso-8859-1", "latin1", "gb2312", "gbk", "gb18030", "windows-1252"}
_ENCODING_DECL = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")


def _prologue_verdict(buf: bytes) -> str:
    """``"clean"`` (not XML, or the root element reached), ``"doctype"``, ``"odd"`` or ``"more"``.

    Only the prologue (what comes before the root element) can hold a DOCTYPE, so the scan
    stops at the first element.
    """
    text, pos = _decode_xml(buf), 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return "more"
        if text[pos] != "<":
            return "clean" if pos == 0 else "odd"  # a non-XML member, or junk before the root
        rest = text[pos:pos + 4]
        if rest.startswith(("<?", "<!--")):
            close = text.find("?>" if rest.startswith("<?") else "-->", pos + 2)
            if close < 0:
                return "more"
            declared = _ENCODING_DECL.search(text, pos, close) if text.startswith("<?xml", pos) else None
            if declared and declared.group(1).strip().lower() not in _XML_ENCODINGS:
                return "odd"
            pos = close + (2 if rest.startswith("<?") else 3)
            continue
        if len(rest) < 4 and pos + len(rest) == len(text) and "<!--".startswith(rest):
            return "more"  # "<", "<!" or "<!-" cut at the end of what was read
        return "doctype" if rest.startswith("<!") else "clean"


_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.addin.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": "xlsb",
}
_OOXML_OTHER = (
    ("wordprocessingml", "Word 文档（.docx）"),
    ("presentationml", "PowerPoint 演示文稿（.pptx）"),
    ("ms-word", "Word 文档（.docm）"),
    ("ms-powerpoint", "PowerPoint 演示文稿（.pptm）"),
)
_CONTENT_TYPE = re.compile(r"""contenttype\s*=\s*["']([^"']+)["']""")
_ODS_MIMETYPES = ("application/vnd.oasis.opendocument.spreadsheet",
                  "application/vnd.oasis.opendocument.spreadsheet-template")


def _zip_format(zf: zipfile.ZipFile, name: str, whole: dict | None = None) -> tuple[str, bool]:
    """The workbook format of a zip that passed the safety checks, and whether it has VBA.

    *whole*: members already read in full (by the prologue scan), by ``id`` of their ZipInfo.
    """
    whole = whole or {}
    names = {i.filename: i for i in zf.infolist()}
    macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    if "mimetype" in names:
        mimetype = _read_small(zf, names["mimetype"], 256, name, whole).decode("ascii", "replace").strip()
        if mimetype not in _ODS_MIMETYPES:
            _refuse(name, "not_spreadsheet", f"不是工作簿：内容是 OpenDocument 文件（{mimetype}），"
                    "不是表格。请向报送单位索取 .xlsx 或 .xls 原表。")
        manifest = names.get("META-INF/manifest.xml")
        if manifest is not None and b"encryption-data" in _read_small(zf, manifest, 4 * MB, name, whole):
            _refuse(name, "encrypted", "设置了打开密码（已加密），程序无法读取。请报送单位取消密码后重新报送。")
        return "ods", macros
    types = names.get("[Content_Types].xml")
    if types is None:
        _refuse(name, "not_spreadsheet", "不是 Excel 工作簿：内容是普通 ZIP 压缩包，请先解压，"
                "或向报送单位索取 .xlsx 原表。")
    content = _read_small(zf, types, 4 * MB, name, whole).decode("utf-8", "replace").lower()
    ctypes = set(_CONTENT_TYPE.findall(content))
    found = [fmt for ctype, fmt in _OOXML_MAIN.items() if ctype in ctypes]
    if not found:
        kind = next((k for key, k in _OOXML_OTHER if key in content), "Office 文档，但没有工作簿部件")
        _refuse(name, "not_spreadsheet", f"不是 Excel 工作簿：内容是{kind}。请向报送单位索取 .xlsx 或 .xls 原表。")
    fmt = found[0]
    macros = macros or "vbaproject" in content
    if fmt == "xlsx" and macros:
        fmt = "xlsm"
    return fmt, macros


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str,
                whole: dict | None = None) -> bytes:
    if whole and id(info) in whole:
        return whole[id(info)][:limit]
    try:
        with zf.open(info) as member:
            return member.read(limit)
    except _ZIP_FAILURES as exc:
        _refuse(name, "truncated", f"文件已损坏：部件「{info.filename}」无法解压（{exc}）。")


# --------------------------------------------------------------------------- OLE (CFB) files

_FREE_OR_END = 0xFFFFFFFA  # sector ids at or above this are markers, not sectors
_BIFF_BOF = (0x0809, 0x0409, 0x0209, 0x0009)
_BIFF_FILEPASS, _BIFF_EOF = 0x002F, 0x000A


def _inspect_ole(fh, size: int, name: str) -> str:
    """``"xls"`` for an unencrypted BIFF workbook in a compound file; refuse anything else."""
    cfb = _Cfb(fh, size, name)
    streams = {n.lower(): e for n, e in cfb.entries.items()}
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        _refuse(name, "encrypted", "设置了打开密码（已加密），程序无法读取。请报送单位取消密码后重新报送。")
    book = streams.get("workbook") or streams.get("book")
    if book is None:
        kind = ("Word 97-2003 文档（.doc）" if "worddocument" in streams else
                "PowerPoint 97-2003 演示文稿（.ppt）" if "powerpoint document" in streams else
                "OLE 复合文档，但没有工作簿数据")
        _refuse(name, "not_spreadsheet", f"不是 Excel 工作簿：内容是{kind}。请向报送单位索取 .xlsx 或 .xls 原表。")
    if _biff_has_filepass(cfb.read(book, 256 * KB), name):
        _refuse(name, "encrypted", "设置了打开密码（已加密，FILEPASS），程序无法读取。"
                "请报送单位取消密码后重新报送。")
    return "xls"


def _biff_has_filepass(data: bytes, name: str) -> bool:
    """Whether the workbook-globals substream (up to its EOF record) has a FILEPASS record."""
    if len(data) < 4 or struct.unpack("<H", data[:2])[0] not in _BIFF_BOF:
        _refuse(name, "truncated", "文件已损坏：工作簿数据流开头不是 BOF 记录。")
    pos = 0
    while pos + 4 <= len(data):
        rtype, length = struct.unpack("<HH", data[pos:pos + 4])
        if rtype == _BIFF_FILEPASS:
            return True
        if rtype == _BIFF_EOF:
            break
        pos += 4 + length
    return False


class _Cfb:
    """Just enough of [MS-CFB] to list stream names and read a stream's first bytes."""

    def __init__(self, fh, size: int, name: str):
        self.fh, self.size, self.name = fh, size, name
        header = self._at(0, 512)
        major, _, shift, mini_shift = struct.unpack("<HHHH", header[0x1A:0x22])
        if shift not in (9, 12) or mini_shift != 6:
            self._damaged("文件头的扇区大小无效")
        self.ssize, self.v3 = 1 << shift, major == 3
        n_fat, first_dir = struct.unpack("<LL", header[0x2C:0x34])
        self.cutoff, first_minifat, _, first_difat, n_difat = struct.unpack("<5L", header[0x38:0x4C])
        self.fat = self._read_fat(header, n_fat, first_difat, n_difat)
        self.entries = self._read_directory(first_dir)
        self.first_minifat = first_minifat

    def _damaged(self, what: str):
        _refuse(self.name, "truncated", f"文件已损坏或不完整（复合文档{what}），可能下载或拷贝中断，请重新获取。")

    def _at(self, offset: int, length: int) -> bytes:
        self.fh.seek(offset)
        data = self.fh.read(length)
        if len(data) < length:
            self._damaged("的扇区超出文件末尾")
        return data

    def _sector(self, sid: int) -> bytes:
        return self._at((sid + 1) * self.ssize, self.ssize)

    def _ids(self, data: bytes) -> tuple[int, ...]:
        return struct.unpack(f"<{len(data) // 4}L", data)

    def _read_fat(self, header: bytes, n_fat: int, difat_sid: int, n_difat: int) -> tuple[int, ...]:
        if n_fat > self.size // self.ssize + 1:
            self._damaged("的 FAT 扇区数超出文件大小")
        fat_sids = list(self._ids(header[0x4C:0x200]))
        for _ in range(min(n_difat, self.size // self.ssize + 1)):
            if difat_sid >= _FREE_OR_END:
                break
            ids = self._ids(self._sector(difat_sid))
            fat_sids.extend(ids[:-1])
            difat_sid = ids[-1]
        fat_sids = [s for s in fat_sids[:n_fat] if s < _FREE_OR_END]
        return tuple(i for sid in fat_sids for i in self._ids(self._sector(sid)))

    def _chain(self, start: int, table: tuple[int, ...]):
        sid, seen = start, 0
        while sid < _FREE_OR_END:
            if sid >= len(table) or seen > len(table):
                self._damaged("的扇区链断裂或成环")
            yield sid
            sid, seen = table[sid], seen + 1

    def _read_directory(self, first_dir: int) -> dict:
        raw = b"".join(self._sector(s) for s in self._chain(first_dir, self.fat))
        entries = {}
        for off in range(0, len(raw) - 127, 128):
            ent = raw[off:off + 128]
            name_len, kind = struct.unpack("<HB", ent[64:67])
            start, size = struct.unpack("<LQ", ent[116:128])
            if kind in (2, 5):  # stream, root storage
                size = size & 0xFFFFFFFF if self.v3 else size
                label = ent[:max(min(name_len, 64) - 2, 0)].decode("utf-16-le", "replace")
                entries[label if kind == 2 else "\x00root"] = (start, size)
        if "\x00root" not in entries:
            self._damaged("缺少根目录项")
        return entries

    def read(self, entry: tuple[int, int], limit: int) -> bytes:
        """The first *limit* bytes of the stream *entry* (start sector, size)."""
        start, size = entry
        want = min(size, limit)
        if size >= self.cutoff:
            parts, got = [], 0
            for sid in self._chain(start, self.fat):
                if got >= want:
                    break
                parts.append(self._sector(sid))
                got += self.ssize
            return b"".join(parts)[:want]
        root_start, _ = self.entries["\x00root"]
        container = list(self._chain(root_start, self.fat))
        minifat = tuple(i for sid in self._chain(self.first_minifat, self.fat)
                        for i in self._ids(self._sector(sid)))
        parts = []
        for msid in self._chain(start, minifat):
            if len(parts) * 64 >= want:
                break
            pos = msid * 64
            if pos // self.ssize >= len(container):
                self._damaged("的小扇区超出小流容器")
            sector = container[pos // self.ssize]
            parts.append(self._at((sector + 1) * self.ssize + pos % self.ssize, 64))
        return b"".join(parts)[:want]
