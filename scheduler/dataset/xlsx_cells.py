"""Cell formats of the Excel workbook: how one cell maps to a JSON value and back.

Admins type with a Chinese input method and Excel converts whatever it
recognises, so readers are lenient where the intent is clear: full-width
punctuation, Chinese weekday and choice labels, numbers where the JSON wants
text (a county code typed as 330521), real Excel dates and times. They are
strict where it is not: a code that Excel turned into a date is reported, not
guessed back. Writers emit the Chinese forms an admin would type.

Readers never see blank cells (the caller skips them) and raise CellError with
a Chinese message; the caller knows where the cell is.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

from scheduler.dataset.schema import WEEKDAYS

CellValue = str | int | float | bool | date | time | datetime

TEXT_FORMAT = "@"

DATE_TRAP = "单元格被 Excel 识别成了日期或时间；请把该列设为「文本」格式后重新输入"


class CellError(ValueError):
    """A cell whose content cannot be read in its column's format (message in Chinese)."""


def _fold(text: str) -> str:
    """Full-width letters, digits and punctuation to ASCII; 、 is a comma too."""
    return unicodedata.normalize("NFKC", text).replace("、", ",").strip()


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def as_text(value: CellValue) -> str:
    """The text of a cell that should hold text; numbers are taken as typed."""
    if isinstance(value, bool):
        raise CellError("应为文本，不是 TRUE/FALSE")
    if isinstance(value, (date, time)):
        raise CellError(DATE_TRAP)
    if isinstance(value, (int, float)):
        return _number_text(value)
    if not isinstance(value, str):
        raise CellError(f"无法识别的单元格内容「{value}」")
    return value.strip()


class Codec:
    """One column format: `read` a non-blank cell into JSON, `write` JSON into a cell."""

    hint = "文本"
    number_format = TEXT_FORMAT
    choices: tuple[str, ...] = ()

    def read(self, value: CellValue) -> Any:
        return as_text(value)

    def write(self, value: Any) -> CellValue | None:
        return value


class Code(Codec):
    hint = "代码：字母、数字、-、_、."

    def read(self, value: CellValue) -> str:
        return _fold(as_text(value))


class Integer(Codec):
    hint = "整数"
    number_format = "0"

    def read(self, value: CellValue) -> int:
        if isinstance(value, bool):
            raise CellError("应为整数")
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", text := _fold(value)):
            return int(text)
        raise CellError(f"应为整数，实际为「{value}」")


class Number(Codec):
    hint = "数字"
    number_format = "General"

    def read(self, value: CellValue) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(_fold(value))
            except ValueError:
                pass
        raise CellError(f"应为数字，实际为「{value}」")


class Choice(Codec):
    """One of a few JSON values, shown by its Chinese label; the JSON value is accepted too."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.choices = tuple(labels.values())
        self.hint = "、".join(self.choices)

    def read(self, value: CellValue) -> str:
        text = _fold(as_text(value))
        for json_value, label in self.labels.items():
            if text.lower() == json_value.lower() or text == label:
                return json_value
        raise CellError(f"应为{self.hint}之一，实际为「{text}」")

    def write(self, value: Any) -> CellValue | None:
        return self.labels.get(value, value)


class Boolean(Codec):
    hint = "是、否"
    choices = ("是", "否")
    _WORDS = {"是": True, "否": False, "true": True, "false": False, "yes": True, "no": False,
              "y": True, "n": False, "1": True, "0": False, "√": True, "×": False}

    def read(self, value: CellValue) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and (word := _fold(value).lower()) in self._WORDS:
            return self._WORDS[word]
        raise CellError(f"应为「是」或「否」，实际为「{value}」")

    def write(self, value: Any) -> CellValue | None:
        return None if value is None else ("是" if value else "否")


class IsoDate(Codec):
    hint = "日期，如 2026-09-01"
    number_format = "yyyy-mm-dd"

    def read(self, value: CellValue) -> str:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        match = isinstance(value, str) and re.fullmatch(
            r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", _fold(value))
        if not match:
            raise CellError(f"应为日期（如 2026-09-01），实际为「{value}」")
        try:
            return date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            raise CellError(f"「{value}」不是有效的日期") from None

    def write(self, value: Any) -> CellValue | None:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return value


class ClockTime(Codec):
    hint = "时间，如 08:40"
    number_format = "hh:mm"

    def read(self, value: CellValue) -> str:
        if isinstance(value, datetime):
            value = value.time()
        if isinstance(value, time):
            return _hhmm(round((value.hour * 3600 + value.minute * 60 + value.second
                                + value.microsecond / 1e6) / 60))
        if isinstance(value, float) and 0 <= value < 1:  # a time typed into a General cell
            return _hhmm(round(value * 24 * 60))
        match = isinstance(value, str) and re.fullmatch(r"(\d{1,2})[:.](\d{2})", _fold(value))
        if not match:
            raise CellError(f"应为时间（如 08:40），实际为「{value}」")
        return f"{int(match[1]):02d}:{match[2]}"

    def write(self, value: Any) -> CellValue | None:
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError):
            return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------
# Weekdays and ordered lists

_CN_DAYS = "一二三四五六日"
_DAY_NAMES: dict[str, str] = {
    alias: code
    for code, cn in zip(WEEKDAYS, _CN_DAYS, strict=True)
    for alias in (code, cn, f"周{cn}", f"星期{cn}")
} | {"周天": "sun", "星期天": "sun", "天": "sun"}
_DAY_PATTERN = "|".join(sorted(map(re.escape, _DAY_NAMES), key=len, reverse=True))


def _weekday(token: str) -> str:
    code = _DAY_NAMES.get(token.lower())
    if code is None:
        raise CellError(f"「{token}」不是星期几（应为 周一…周日 或 mon…sun）")
    return code


def day_label(code: str) -> str:
    return f"周{_CN_DAYS[WEEKDAYS.index(code)]}" if code in WEEKDAYS else code


class Weekday(Codec):
    hint = "周一…周日（或 mon…sun）"

    def read(self, value: CellValue) -> str:
        return _weekday(_fold(as_text(value)))

    def write(self, value: Any) -> CellValue | None:
        return day_label(value)


_RANGE = r"\s*(?:-|~|至|到)\s*"


class Ordered(Codec):
    """A list of ordered items; runs of three or more are written as ranges (1-6, 周一至周五)."""

    def __init__(self, hint: str, item: Callable[[str], Any], rank: Callable[[Any], int],
                 unrank: Callable[[int], Any], label: Callable[[Any], str], dash: str) -> None:
        self.hint = hint
        self.item = item      # one token to a JSON value
        self.rank = rank      # a JSON value to its place in the order, and back
        self.unrank = unrank
        self.label = label
        self.dash = dash

    def read(self, value: CellValue) -> list[Any]:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [self.item(_number_text(value))]
        return self.parse(_fold(as_text(value)))

    def parse(self, text: str) -> list[Any]:
        values: list[Any] = []
        for token in re.split(r"[,;\s]+", re.sub(_RANGE, "~", text)):
            if not token:
                continue
            first, dash, last = token.partition("~")
            if not dash:
                values.append(self.item(first))
                continue
            if not first or not last:
                raise CellError(f"范围「{first}-{last}」不完整")
            low, high = self.rank(self.item(first)), self.rank(self.item(last))
            if low > high:
                raise CellError(f"范围「{first}-{last}」的起点大于终点")
            values.extend(self.unrank(i) for i in range(low, high + 1))
        return values

    def write(self, value: Any) -> CellValue | None:
        return ",".join(self._runs(value)) if value else None

    def _runs(self, values: list[Any]) -> Iterator[str]:
        start = 0
        for end in range(1, len(values) + 1):
            if end < len(values) and self.rank(values[end]) == self.rank(values[end - 1]) + 1:
                continue
            run = values[start:end]
            if len(run) >= 3:
                yield f"{self.label(run[0])}{self.dash}{self.label(run[-1])}"
            else:
                yield from map(self.label, run)
            start = end


def _whole(token: str) -> int:
    if not token.isdigit():
        raise CellError(f"「{token}」不是整数")
    return int(token)


def numbers(hint: str) -> Ordered:
    return Ordered(hint, _whole, int, int, str, "-")


WEEKDAY_LIST = Ordered("星期几，逗号分隔，如 周一至周五 或 周一,周三", _weekday, WEEKDAYS.index,
                       WEEKDAYS.__getitem__, day_label, "至")
GRADES = numbers("年级，如 1-3 或 3,4")
PERIODS = numbers("节次，如 5-7 或 5,6")


class Codes(Codec):
    hint = "代码，逗号分隔"

    def read(self, value: CellValue) -> list[str]:
        return [code for code in re.split(r"[,;\s]+", _fold(as_text(value))) if code]

    def write(self, value: Any) -> CellValue | None:
        return ",".join(value) if value else None


# --------------------------------------------------------------------------
# Lists of small objects: one item per `;`, fields in a fixed little syntax


class Items(Codec, ABC):
    """Several `;`-separated items in one cell, each an object with its own syntax."""

    example: str

    def read(self, value: CellValue) -> list[dict[str, Any]]:
        items = [item.strip() for item in re.split(r"[;\n]+", _fold(as_text(value)))]
        return [self.item(item) for item in items if item]

    def write(self, value: Any) -> CellValue | None:
        return "; ".join(map(self.format, value)) if value else None

    @abstractmethod
    def item(self, text: str) -> dict[str, Any]: ...

    @abstractmethod
    def format(self, item: dict[str, Any]) -> str: ...

    def unreadable(self, text: str, why: str = "") -> CellError:
        return CellError(f"无法识别「{text}」{'：' + why if why else ''}（格式如 {self.example}）")


class Qualifications(Items):
    hint = "学科代码:年级，多个用 ; 分隔，如 YW:1-3; SX:4,5"
    example = "YW:1-3; SX:4,5"

    def item(self, text: str) -> dict[str, Any]:
        subject, colon, grades = (part.strip() for part in text.partition(":"))
        if not colon or not subject or not grades:
            raise self.unreadable(text, "缺少学科代码或年级")
        try:
            return {"subject": subject, "grades": GRADES.parse(grades)}
        except CellError as exc:
            raise self.unreadable(text, str(exc)) from None

    def format(self, item: dict[str, Any]) -> str:
        return f"{item['subject']}:{GRADES.write(item.get('grades'))}"


class Unavailable(Items):
    hint = "星期几[:节次]，多个用 ; 分隔；不写节次表示全天，如 周三:5-7; 周五"
    example = "周三:5-7; 周五"

    def item(self, text: str) -> dict[str, Any]:
        day, colon, periods = (part.strip() for part in text.partition(":"))
        try:
            entry: dict[str, Any] = {"day": _weekday(day)}
            if colon:
                entry["periods"] = PERIODS.parse(periods)
        except CellError as exc:
            raise self.unreadable(text, str(exc)) from None
        return entry

    def format(self, item: dict[str, Any]) -> str:
        periods = item.get("periods")  # None is the whole day; [] (no period) stays distinct
        return day_label(item["day"]) + ("" if periods is None else f":{PERIODS.write(periods) or ''}")


class Preferred(Items):
    hint = "星期几 [开始]-[结束]，多个用 ; 分隔，如 周三 13:30-17:00; 周四 -12:00"
    example = "周三 13:30-17:00; 周四 -12:00"
    _ITEM = re.compile(rf"({_DAY_PATTERN})(?:\s*(\d{{1,2}}:\d{{2}})?{_RANGE}(\d{{1,2}}:\d{{2}})?)?",
                       re.IGNORECASE)

    def item(self, text: str) -> dict[str, Any]:
        match = self._ITEM.fullmatch(text)
        if not match:
            raise self.unreadable(text)
        day, after, before = match.groups()
        entry: dict[str, Any] = {"day": _weekday(day)}
        for key, clock in (("after", after), ("before", before)):
            if clock:
                entry[key] = ClockTime().read(clock)
        return entry

    def format(self, item: dict[str, Any]) -> str:
        after, before = item.get("after"), item.get("before")
        times = f" {after or ''}-{before or ''}" if after or before else ""
        return day_label(item["day"]) + times


class RotationHistory(Items):
    """A teacher's rotations (交流经历): `school:from-to[:home]` per item, school years as years."""

    hint = "交流学校:开始学年-结束学年[:原学校]，多个用 ; 分隔，如 DQ-MX:2021-2024:DQ-WK"
    example = "DQ-MX:2021-2024:DQ-WK"
    _ITEM = re.compile(r"([A-Za-z0-9._-]+)\s*:\s*(\d{4})\s*[-–—~～至]\s*(\d{4})(?:\s*:\s*([A-Za-z0-9._-]+))?")

    def item(self, text: str) -> dict[str, Any]:
        match = self._ITEM.fullmatch(text)
        if not match:
            raise self.unreadable(text)
        school, start, end, home = match.groups()
        entry: dict[str, Any] = {"school": school, "from": int(start), "to": int(end)}
        if home:
            entry["home"] = home
        return entry

    def format(self, item: dict[str, Any]) -> str:
        home = f":{item['home']}" if item.get("home") else ""
        return f"{item['school']}:{item['from']}-{item['to']}{home}"


class Members(Codes):
    """`auto` (every qualified teacher of the community), or a list of teacher codes."""

    hint = "「自动」或教师代码，逗号分隔"

    def read(self, value: CellValue) -> str | list[str]:  # type: ignore[override]
        text = _fold(as_text(value))
        return "auto" if text.lower() in ("auto", "自动") else super().read(text)

    def write(self, value: Any) -> CellValue | None:
        return "自动" if value == "auto" else super().write(value)
