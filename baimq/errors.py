"""Errors and findings shown to analysts.

Every problem the package reports names where it is: file, sheet and cell. Messages are in
Chinese (the analysts' language); identifiers stay English.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

FINDING_COLUMNS = ["severity", "code", "file", "sheet", "cell", "value", "message"]


@dataclass(frozen=True)
class Finding:
    """One problem found in a return.

    ``severity`` is ``"error"`` (the table cannot be trusted) or ``"warning"`` (the data
    loads but the analyst must look). ``code`` is a stable English key (``unknown_area``,
    ``total_mismatch`` ...); ``message`` is the Chinese sentence shown to the analyst.
    """

    severity: str
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""

    @property
    def location(self) -> str:
        return format_location(self.file, self.sheet, self.cell)

    def line(self) -> str:
        """One line for the terminal: ``[错误] file!sheet!B7 「值」 message``."""
        tag = "错误" if self.severity == "error" else "提示"
        loc = self.location or "（无位置）"
        val = f" 「{self.value}」" if self.value not in ("", None) else ""
        return f"[{tag}] {loc}{val} {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def format_location(file: str = "", sheet: str = "", cell: str = "") -> str:
    """``budget.xlsx!Sheet1!B7``; missing parts are left out."""
    return "!".join(p for p in (file, sheet, cell) if p)


def findings_frame(findings) -> "pd.DataFrame":
    """Findings as a DataFrame with the columns of :data:`FINDING_COLUMNS`."""
    import pandas as pd

    rows = [f.as_dict() for f in findings]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).astype(
        {c: "object" for c in FINDING_COLUMNS}
    )


class FindingSet(tuple):
    """The findings of a load, kept in ``df.attrs["findings"]``.

    An immutable tuple of :class:`Finding`: pandas copies ``attrs`` on every operation and
    compares them in ``concat``, so they must be cheap to copy and compare (a DataFrame in
    ``attrs`` makes ``pd.concat`` fail). :func:`baimq.findings` turns them into a DataFrame.
    """

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def frame(self) -> "pd.DataFrame":
        return findings_frame(self)


class DataError(ValueError):
    """A return that cannot be trusted.

    Carries the location of the problem (``file``, ``sheet``, ``cell``, ``value``) and,
    when several errors were found at once, all of them in ``findings``.
    """

    def __init__(self, message: str, *, file: str = "", sheet: str = "", cell: str = "",
                 value: str = "", code: str = "data_error",
                 findings: list[Finding] | None = None):
        self.file, self.sheet, self.cell, self.value, self.code = file, sheet, cell, value, code
        self.reason = message
        first = Finding("error", code, message, file, sheet, cell, str(value) if value is not None else "")
        self.findings: list[Finding] = list(findings) if findings else [first]
        lines = [f.line() for f in self.findings]
        super().__init__("\n".join(lines))

    @property
    def location(self) -> str:
        return format_location(self.file, self.sheet, self.cell)


@dataclass
class FindingList:
    """Collects findings while a return is read."""

    items: list[Finding] = field(default_factory=list)

    def add(self, severity: str, code: str, message: str, **where) -> None:
        self.items.append(Finding(severity, code, message, **{k: ("" if v is None else str(v)) for k, v in where.items()}))

    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == "error"]

    def warnings(self) -> list[Finding]:
        return [f for f in self.items if f.severity != "error"]
