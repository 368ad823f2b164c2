"""What every knowledge-base importer shares: the import error, file reading with limits, field error lines."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

MAX_FILE_BYTES = 2_000_000


class ImportProblem(Exception):
    """One or more problems in import files; ``problems`` are 'file:line: field: message' strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"import rejected, nothing was changed ({len(problems)} problem(s)):\n  {shown}{more}")


def _field_line(lines: list[str], field: str, default: int) -> int:
    for i, line in enumerate(lines, start=1):
        if line.lstrip().startswith(f"{field}:"):
            return i
    return default


def _problems(err: ValidationError, where: str, line_of) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(article)"
        top = str(e["loc"][0]) if e["loc"] else ""
        out.append(f"{where}:{line_of(top)}: field '{loc}': {e['msg']}")
    return out


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ValueError("binary file (NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
