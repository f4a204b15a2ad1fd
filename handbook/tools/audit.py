"""``task audit``: Lighthouse and axe figures for the built site, served compressed.

Measurements, not tests: it prints the figures and exits 0 unless a tool
could not run. Lighthouse 12.2.3 comes from npm into ``.tools/`` (git-ignored;
the task installs it when missing) and drives the system Chromium.

    uv run python -m handbook.tools.audit SITE_DIR
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from handbook.content.docs_tree import REPO_ROOT
from handbook.tools.axe import violations_by_scheme
from handbook.tools.static_server import serve

LIGHTHOUSE = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The pages the issue measures: home, a principle, the checklist, the source,
# and the two data pages read on phones (generated from verdicts.yml and
# benchmarks.json).
PAGES = {
    "home": "",
    "principle": "principles/performance/eager-loading/",
    "checklist": "checklist/",
    "start-here": "start-here/",
    "source": "source/",
    "corrections": "corrections/",
    "benchmarks": "benchmarks/",
}
AUDITS = {
    "dom-size": "DOM nodes",
    "total-byte-weight": "transfer",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "mainthread-work-breakdown": "main thread",
}


def lighthouse(url: str, preset: str) -> dict[str, Any]:
    if not LIGHTHOUSE.exists():
        sys.exit(
            "lighthouse is not installed: run `npm install --prefix .tools "
            "lighthouse@12.2.3` (task audit does this)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        args = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if preset == "desktop":
            args.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": CHROMIUM}
        subprocess.run(args, check=True, env=env, timeout=300)
        result: dict[str, Any] = json.loads(report.read_text())
        return result


def summarise(result: dict[str, Any]) -> str:
    scores = " ".join(
        f"{name}={round((result['categories'][name]['score'] or 0) * 100)}"
        for name in CATEGORIES
    )
    audits = result["audits"]
    details = " ".join(
        f"{label}={audits[key]['displayValue']}"
        for key, label in AUDITS.items()
        if audits.get(key, {}).get("displayValue")
    )
    return f"{scores} | {details}"


async def axe_report(base: str) -> list[str]:
    lines = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page()
        for name, path in PAGES.items():
            await page.goto(base + path, wait_until="networkidle")
            for scheme, violations in (await violations_by_scheme(page)).items():
                nodes = sum(len(v.targets) for v in violations)
                lines.append(
                    f"axe {name:<11} {scheme:<7} violations={len(violations)} nodes={nodes}"
                )
                lines += [f"    {v}" for v in violations]
        await browser.close()
    return lines


def main(site_dir: str, axe_only: bool = False) -> None:
    if not (Path(site_dir) / "index.html").is_file():
        raise SystemExit(
            f"{site_dir}: no built site here (no index.html); "
            "`uv run task audit` builds one into .tmp/audit-site first"
        )
    with serve(Path(site_dir)) as base:
        print(f"Serving {site_dir} gzip-compressed at {base}")
        for line in asyncio.run(axe_report(base)):
            print(line, flush=True)
        if axe_only:
            return
        for preset in ("mobile", "desktop"):
            for name, path in PAGES.items():
                result = lighthouse(base + path, preset)
                print(
                    f"lighthouse {preset:<7} {name:<11} {summarise(result)}", flush=True
                )


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m handbook.tools.audit",
        description="Lighthouse and axe figures for a built site, served compressed.",
    )
    parser.add_argument(
        "site_dir", nargs="?", default="site", help="the built site (default: site)"
    )
    parser.add_argument(
        "--axe-only", action="store_true", help="run axe only, not Lighthouse"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_arguments(sys.argv[1:])
    main(arguments.site_dir, axe_only=arguments.axe_only)
