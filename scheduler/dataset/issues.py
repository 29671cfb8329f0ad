"""Problems found in a dataset, located by JSON path so any source format can name them.

The JSON reader shows a path as `teachers[3].campus`; the Excel reader maps the
same path to a sheet, row and column. Messages are Chinese: admins read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

Path = tuple[str | int, ...]
Locator = Callable[[Path], str]


@dataclass(frozen=True)
class DatasetIssue:
    path: Path
    message: str
    severity: Literal["error", "warning"] = "error"
    ref: str | None = None  # the unknown code an unresolved reference names


def json_path(path: Path) -> str:
    """`("teachers", 3, "campus")` -> `teachers[3].campus`; the empty path is the document."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "（文件）"


class DatasetInvalid(Exception):
    """Raised with every error of a source at once; nothing has been imported."""

    def __init__(self, source: str, issues: list[DatasetIssue], locate: Locator = json_path):
        self.source = source
        self.issues = issues
        self.locate = locate
        super().__init__(f"{source}: {len(self.errors)} 处错误")

    @property
    def errors(self) -> list[DatasetIssue]:
        return [i for i in self.issues if i.severity == "error"]

    def lines(self) -> list[str]:
        return [f"{self.source}: {self.locate(i.path)}: {i.message}" for i in self.errors]


_MESSAGES: dict[str, str] = {
    "missing": "缺少必填字段",
    "string_type": "应为文本",
    "string_unicode": "不能包含无效的 Unicode 代理字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_type": "日期格式应为 YYYY-MM-DD",
}


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        return f"取值应为 {ctx.get('expected', '')}，实际为 {error.get('input')!r}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "too_short":
        return "不能为空"
    return _MESSAGES.get(kind, error["msg"])


def _clean_loc(loc: Iterable[Any]) -> Path:
    """Drop pydantic's union-member and validator tags, which are not part of the document."""
    return tuple(part for part in loc if isinstance(part, int) or part.isidentifier())


def from_validation_error(exc: ValidationError) -> list[DatasetIssue]:
    issues: dict[Path, DatasetIssue] = {}
    for error in exc.errors(include_url=False):
        path = _clean_loc(error["loc"])
        issues.setdefault(path, DatasetIssue(path, _message(error)))
    return list(issues.values())
