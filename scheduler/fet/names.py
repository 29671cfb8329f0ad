"""FET names days and hours in the school's own language; tongpan needs weekdays and clock times.

FET identifies a day or an hour only by its name, so a file written in Spanish,
Arabic or Chinese says `Martes`, `الثلاثاء` or `星期二`. Positions mean nothing
(an Algerian week starts on Sunday), so days are matched by name against a
table of the languages FET ships translations for, and hours yield their clock
times when their names carry them (`1º 07:30-08:10`).
"""

from __future__ import annotations

import re
import unicodedata

# Every spelling is compared after `_fold`: lower case, accents and tatweel removed.
_DAY_NAMES: dict[str, tuple[str, ...]] = {
    "mon": ("monday", "mon", "lundi", "lunes", "segunda", "segunda-feira", "montag", "lunedi",
            "luni", "maandag", "poniedzialek", "pazartesi", "senin", "понедельник", "δευτερα",
            "hetfo", "pondeli", "pondelok", "mandag", "måndag", "maanantai", "ponedeljak",
            "понеділок", "الاثنين", "الإثنين", "اثنين", "دوشنبه", "星期一", "周一", "週一",
            "礼拜一", "月曜日", "월요일", "thu hai", "thứ hai", "hai"),
    "tue": ("tuesday", "tue", "mardi", "martes", "terca", "terça", "terca-feira", "terça-feira",
            "dienstag", "martedi", "marti", "dinsdag", "wtorek", "sali", "salı", "selasa",
            "вторник", "τριτη", "kedd", "utery", "utorok", "tirsdag", "tisdag", "tiistai",
            "utorak", "вівторок", "الثلاثاء", "ثلاثاء", "سه شنبه", "سه‌شنبه", "星期二", "周二",
            "週二", "礼拜二", "火曜日", "화요일", "thứ ba", "thu ba"),
    "wed": ("wednesday", "wed", "mercredi", "miercoles", "miércoles", "quarta", "quarta-feira",
            "mittwoch", "mercoledi", "miercuri", "woensdag", "sroda", "środa", "carsamba",
            "çarşamba", "rabu", "среда", "τεταρτη", "szerda", "streda", "onsdag", "keskiviikko",
            "srijeda", "sreda", "середа", "الأربعاء", "الاربعاء", "أربعاء", "اربعاء",
            "چهارشنبه", "星期三", "周三", "週三", "礼拜三", "水曜日", "수요일", "thứ tư", "thu tu"),
    "thu": ("thursday", "thu", "jeudi", "jueves", "quinta", "quinta-feira", "donnerstag",
            "giovedi", "joi", "donderdag", "czwartek", "persembe", "perşembe", "kamis",
            "четверг", "πεμπτη", "csutortok", "ctvrtek", "stvrtok", "torsdag", "torstai",
            "cetvrtak", "četvrtak", "четвер", "الخميس", "خميس", "پنجشنبه", "星期四", "周四",
            "週四", "礼拜四", "木曜日", "목요일", "thứ năm", "thu nam"),
    "fri": ("friday", "fri", "vendredi", "viernes", "sexta", "sexta-feira", "freitag",
            "venerdi", "vineri", "vrijdag", "piatek", "piątek", "cuma", "jumat", "jum'at",
            "пятница", "παρασκευη", "pentek", "patek", "piatok", "fredag", "perjantai", "petak",
            "пʼятниця", "п'ятниця", "الجمعة", "جمعة", "جمعه", "星期五", "周五", "週五", "礼拜五",
            "金曜日", "금요일", "thứ sáu", "thu sau"),
    "sat": ("saturday", "sat", "samedi", "sabado", "sábado", "samstag", "sonnabend", "sabato",
            "sambata", "sâmbătă", "zaterdag", "sobota", "cumartesi", "sabtu", "суббота",
            "σαββατο", "szombat", "lordag", "lördag", "lauantai", "subota", "субота", "السبت",
            "سبت", "شنبه", "星期六", "周六", "週六", "礼拜六", "土曜日", "토요일", "thứ bảy",
            "thu bay"),
    "sun": ("sunday", "sun", "dimanche", "domingo", "sonntag", "domenica", "duminica",
            "duminică", "zondag", "niedziela", "pazar", "minggu", "ahad", "воскресенье",
            "κυριακη", "vasarnap", "nedele", "nedela", "sondag", "söndag", "sunnuntai",
            "nedjelja", "nedelja", "неділя", "الأحد", "الاحد", "أحد", "احد", "یکشنبه", "星期日",
            "星期天", "周日", "週日", "礼拜日", "礼拜天", "日曜日", "일요일", "chủ nhật",
            "chu nhat"),
}


def _fold(name: str) -> str:
    """Lower case without accents, tatweel or surrounding punctuation, so spellings meet."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower().replace("\u0640", ""))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip(" .:-_()[]")


_BY_NAME: dict[str, str] = {_fold(spelling): day for day, names in _DAY_NAMES.items()
                            for spelling in names}


def weekday(name: str) -> str | None:
    """The weekday (`mon` … `sun`) a FET day name means, or None when no language knows it.

    A name may carry more than the weekday (`Monday A`, `Lundi (semaine 1)`), so the longest
    known name at its start decides; a bare abbreviation must stand alone."""
    folded = re.sub(r"^\d+\s*[-.:)]\s*", "", _fold(name))  # `1 - maanantai`
    if folded in _BY_NAME:
        return _BY_NAME[folded]
    for spelling in sorted(_BY_NAME, key=len, reverse=True):
        if len(spelling) > 3 and folded.startswith(spelling) and not folded[len(spelling)].isalpha():
            return _BY_NAME[spelling]
    return None


_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)(?!\d)")


def clock_span(name: str) -> tuple[str, str] | None:
    """The `HH:MM` start and end an hour name spells out (`1º 07:30-08:10`, `8.00 - 8.45`).

    Names with a single time or none (`1`, `Hour 3`) give None: their clock times are made up
    by the caller from a default bell."""
    times = [f"{int(h):02d}:{m}" for h, m in _CLOCK.findall(name)]
    if len(times) != 2 or times[0] >= times[1]:
        return None
    return times[0], times[1]
