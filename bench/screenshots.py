"""Screenshots of the web workplace for the README, at a desktop and a phone width; rerun any time.

    .venv/bin/python bench/screenshots.py   # needs Debian's chromium (and fonts-noto-cjk for the text)

Builds a generated county of three communities with constructed, published
plans (bench/dashboard_site.py) in a temporary database, starts `tongpan
serve`, signs in with headless Chromium (Playwright) and writes
docs/screenshots/{overview,class-grid,teacher-grid}-{desktop,phone}.png.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from dashboard_site import CHROMIUM, CHROMIUM_ARGS, ROOT, TERM, build, serving, sign_in, travelling_teacher

from scheduler.generate import generate_county  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tongpan-shots-") as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir / 'tongpan.db'}"
        ds, token = build(url, generate_county(3, 1))
        fusion = next(c for c in ds.communities if c.model == "fusion")
        schools = {fusion.core_school, *fusion.members}
        campuses = [c.code for s in ds.schools if s.code in schools for c in s.campuses]
        cls = next(k for k in ds.classes if k.campus in campuses and k.grade == 4)
        teacher = travelling_teacher(ds, fusion.code, url)
        t = f"/communities/{fusion.code}/terms/{TERM}"
        pages = {"overview": "/", "class-grid": f"{t}/classes/{cls.code}", "teacher-grid": f"{t}/teachers/{teacher}"}
        with serving(url, workdir) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                              locale="zh-CN")
                page = context.new_page()
                sign_in(page, base, token)
                for name, path in pages.items():
                    page.goto(base + path)
                    target = OUT / f"{name}-{label}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(ROOT))
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
