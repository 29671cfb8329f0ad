"""Read iCalendar files with libical, the parser of GNOME Calendar and Evolution, through GObject introspection.

Run it with Debian's own Python (`/usr/bin/python3`, which has python3-gi and
gir1.2-ical-3.0); the tests do, in a subprocess. Prints a JSON list, per file:
events read, cancelled ones, libical's complaints (the X-LIC-ERROR properties
it puts where it dropped something), events whose start has no zone, and each
event's start as libical resolves it through the feed's VTIMEZONE (epoch
seconds by UID).

    /usr/bin/python3 tests/libical/read.py FILE...
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

ERROR = ICalGLib.PropertyKind.XLICERROR_PROPERTY


def complaints(component):
    found = []
    prop = component.get_first_property(ERROR)
    while prop is not None:
        found.append(prop.as_ical_string().replace("\r\n ", "").strip())
        prop = component.get_next_property(ERROR)
    return found


def children(component, kind):
    child = component.get_first_component(kind)
    while child is not None:
        yield child
        child = component.get_next_component(kind)


def read(path):
    with open(path, encoding="utf-8") as f:
        calendar = ICalGLib.Component.new_from_string(f.read())
    report = {"file": path, "events": 0, "cancelled": 0, "errors": [], "floating": 0, "starts": {}}
    if calendar is None:
        report["errors"].append("not an iCalendar object")
        return report
    report["errors"] += complaints(calendar)
    for zone in children(calendar, ICalGLib.ComponentKind.VTIMEZONE_COMPONENT):
        report["errors"] += complaints(zone)
    for event in children(calendar, ICalGLib.ComponentKind.VEVENT_COMPONENT):
        report["events"] += 1
        report["errors"] += complaints(event)
        status = event.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY)
        if status is not None and status.get_value_as_string() == "CANCELLED":
            report["cancelled"] += 1
        start = event.get_dtstart()
        if start.get_timezone() is None and not start.is_utc():
            report["floating"] += 1
        zone = start.get_timezone()
        report["starts"][event.get_uid()] = start.as_timet_with_zone(zone) if zone else start.as_timet()
    return report


if __name__ == "__main__":
    print(json.dumps([read(p) for p in sys.argv[1:]], ensure_ascii=False))
