"""The ``principles`` command: ``check``, ``rules`` and ``explain``.

Exit codes: 0 clean, 1 findings (or departure problems), 2 usage errors,
unreadable input, or a check that could not run (a tool missing or failing:
the result would be incomplete). Every error is a message, never a
traceback; ``PRINCIPLES_DEBUG=1`` shows one for a bug report.
"""

import argparse
import json
import os
import sys
import textwrap
import traceback
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TextIO

from handbook.checker import baseline as baselines
from handbook.checker import catalogue as catalogues
from handbook.checker import config as configs
from handbook.checker import runner
from handbook.checker.coverage import NOT_MACHINE_CHECKED, coverage_record
from handbook.checker.output import github, json_format, sarif, text
from handbook.checker.project import Project
from handbook.checker.registry import RULES, rules_for
from handbook.content.departures import departure_comment
from handbook.content.locations import Location

FORMATS = ("text", "json", "sarif", "github")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad arguments; exit 2 with the message."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _names(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parser() -> Parser:
    main = Parser(
        prog="principles",
        description="The Python Backend Principles handbook, applied to a repository.",
    )
    commands = main.add_subparsers(dest="command", required=True, parser_class=Parser)
    check = commands.add_parser(
        "check",
        help="check a repository",
        description="Check files against the principles.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path(".")],
        help="files or directories (default: .)",
    )
    check.add_argument(
        "--stage",
        choices=("static", "all"),
        default="static",
        help="static: files only, fast (pre-commit); all: also OpenAPI, migrations, Dockerfiles (CI)",
    )
    check.add_argument(
        "--format", choices=FORMATS, default="text", dest="output_format"
    )
    check.add_argument(
        "--select", type=_names, help="only these IDs or areas (comma-separated)"
    )
    check.add_argument(
        "--ignore", type=_names, help="not these IDs or areas (comma-separated)"
    )
    check.add_argument(
        "--level", help="lowest level reported: must, should or consider"
    )
    check.add_argument(
        "--exclude", type=_names, help="more paths to skip (globs, comma-separated)"
    )
    check.add_argument(
        "--app", help="the app to lint the OpenAPI document of, as module:attribute"
    )
    check.add_argument(
        "--python",
        help="interpreter that imports the app (default: the project's .venv)",
    )
    check.add_argument(
        "--baseline", type=Path, help="report only findings not recorded in this file"
    )
    check.add_argument(
        "--write-baseline",
        type=Path,
        help="record today's findings in this file and exit 0",
    )
    check.add_argument(
        "--show-departures",
        action="store_true",
        help="list the findings departures suppress",
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even with findings"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    rules = commands.add_parser(
        "rules",
        help="list every rule",
        description="List every rule and what each principle is checked by.",
    )
    rules.add_argument("--json", action="store_true")
    rules.add_argument(
        "--known-problems",
        action="store_true",
        help="only the rules with known problems, and what they are",
    )
    explain = commands.add_parser(
        "explain",
        help="explain a principle",
        description="Print a principle's rule, why, review comment and checks.",
    )
    explain.add_argument("id", help="a principle ID, e.g. API-ETAG")
    return main


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    try:
        arguments = parser().parse_args(argv)
        catalogue = catalogues.load()
        if arguments.command == "rules":
            if arguments.known_problems:
                out.write(known_problems_text())
            elif arguments.json:
                out.write(rules_json(catalogue))
            else:
                out.write(rules_text(catalogue))
            return EXIT_CLEAN
        if arguments.command == "explain":
            out.write(explain_text(catalogue, arguments.id))
            return EXIT_CLEAN
        return check(arguments, catalogue, out)
    except UsageError as error:
        sys.stderr.write(
            f"{error}\nRun `principles --help` for the commands and options.\n"
        )
    except (configs.ConfigError, baselines.BaselineError) as error:
        sys.stderr.write(f"error: {error}\n")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as error:  # never a traceback for the user
        if os.environ.get("PRINCIPLES_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"error: internal error: {type(error).__name__}: {error} (PRINCIPLES_DEBUG=1 shows where)\n"
        )
    return EXIT_ERROR


def _settings(
    arguments: argparse.Namespace, catalogue: catalogues.Catalogue, project: Project
) -> configs.Config:
    config = configs.load(project.pyproject, catalogue)
    cli = Location(Path("<command line>"), 1)
    if arguments.select is not None:
        configs.check_names(arguments.select, "--select", cli, catalogue)
        config = replace(config, select=arguments.select)
    if arguments.ignore is not None:
        configs.check_names(arguments.ignore, "--ignore", cli, catalogue)
        config = replace(config, ignore=config.ignore + arguments.ignore)
    if arguments.level is not None:
        try:
            config = replace(
                config, level=configs.check_level(arguments.level, cli, catalogue)
            )
        except configs.ConfigError as error:
            raise UsageError(f"principles check: --level: {error.message}") from error
    if arguments.exclude:
        config = replace(config, exclude=config.exclude + arguments.exclude)
    if arguments.app:
        if ":" not in arguments.app:
            raise UsageError(
                f"principles check: --app {arguments.app!r}: write module:attribute, e.g. app.main:app"
            )
        config = replace(config, app=arguments.app, app_source="--app")
    if arguments.python:
        config = replace(config, python=arguments.python)
    return config


def check(
    arguments: argparse.Namespace, catalogue: catalogues.Catalogue, out: TextIO
) -> int:
    missing = [p for p in arguments.paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageError(
            f"principles check: no such file or directory: {', '.join(map(str, missing))}"
        )
    project = Project.discover(arguments.paths)
    config = _settings(arguments, catalogue, project)
    project.exclude = config.exclude
    known = baselines.read(arguments.baseline) if arguments.baseline else None
    report = runner.run(project, config, catalogue, arguments.stage, known)
    if project.pyproject is None:
        sys.stderr.write(
            f"warning: no pyproject.toml at or above {arguments.paths[0]}: "
            "defaults apply, and the rules on pyproject.toml have nothing to read\n"
        )
    if arguments.write_baseline:
        count = baselines.write(arguments.write_baseline, report.findings, project)
        noun = "finding" if count == 1 else "findings"
        sys.stderr.write(f"wrote {count} {noun} to {arguments.write_baseline}\n")
        return EXIT_ERROR if report.failed else EXIT_CLEAN
    if arguments.output_format == "json":
        out.write(json_format.render(report, catalogue))
    elif arguments.output_format == "sarif":
        out.write(sarif.render(report, catalogue))
    elif arguments.output_format == "github":
        out.write(github.render(report, catalogue))
    else:
        colour = text.use_colour(out, arguments.color)
        out.write(text.render(report, catalogue, colour, arguments.show_departures))
    code = report.exit_code()
    if arguments.exit_zero and code == EXIT_FINDINGS:
        return EXIT_CLEAN
    return code


def rules_text(catalogue: catalogues.Catalogue) -> str:
    lines = []
    for principle in catalogue.principles.values():
        lines.append(f"{principle.id} {principle.level} {principle.short_url}")
        rules = rules_for(principle.id)
        if not rules:
            lines.append(
                f"    not machine-checked: {NOT_MACHINE_CHECKED.get(principle.id, 'no rule yet')}"
            )
        for rule in rules:
            lines.append(f"    {rule.tool} {rule.code} [{rule.stage}] {rule.checks}")
            if rule.known_problems:
                lines.append(f"        known problem: {rule.known_problems}")
    checked = len({r.principle_id for r in RULES})
    lines.append(
        f"{len(RULES)} rules; {checked} of {len(catalogue.principles)} principles machine-checked."
    )
    return "\n".join(lines) + "\n"


def known_problems_text() -> str:
    """Where rules are wrong, as Ruff's rule pages say it."""
    lines = [
        f"{rule.principle_id} {rule.tool} {rule.code}: {rule.known_problems}"
        for rule in RULES
        if rule.known_problems
    ]
    return "\n".join(lines) + "\n"


def rules_json(catalogue: catalogues.Catalogue) -> str:
    document = {
        "rules": [
            {
                "id": rule.principle_id,
                "level": catalogue.principles[rule.principle_id].level,
                "url": catalogue.principles[rule.principle_id].short_url,
                "tool": rule.tool,
                "code": rule.code,
                "stage": rule.stage,
                "checks": rule.checks,
                "known_problems": rule.known_problems or None,
            }
            for rule in RULES
        ],
        "principles": [
            {
                "id": p.id,
                "level": p.level,
                "title": p.title,
                "short_name": p.short_name,
                "url": p.short_url,
                **coverage_record(p.id),
            }
            for p in catalogue.principles.values()
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def explain_text(catalogue: catalogues.Catalogue, principle_id: str) -> str:
    wanted = principle_id.strip().upper()
    if wanted in catalogue.gone:
        raise UsageError(f"principles explain: {wanted} {catalogue.gone[wanted]}")
    if wanted not in catalogue.principles:
        raise UsageError(
            f"principles explain: {principle_id!r} is not a principle ID; `principles rules` lists them"
        )
    p = catalogue.principles[wanted]
    wrap = textwrap.TextWrapper(width=88)
    lines = [f"{p.id} ({p.level}): {p.title}", "", *wrap.wrap(p.summary), "", "Why:"]
    for paragraph in p.why.split("\n\n"):
        lines += [*wrap.wrap(paragraph), ""]
    lines += ["Review comment:", p.review_comment, ""]
    rules = rules_for(p.id)
    if rules:
        lines.append("Checked by:")
        for rule in rules:
            lines.append(f"  {rule.tool} {rule.code} [{rule.stage}]: {rule.checks}")
            if rule.known_problems:
                lines.append(f"    known problem: {rule.known_problems}")
    else:
        lines.append(
            f"Not machine-checked: {NOT_MACHINE_CHECKED.get(p.id, 'no rule yet')}."
        )
    if p.level != "must":
        lines += [
            "",
            f"Depart, where it is right to, with: {departure_comment(p.id)}",
        ]
    lines += ["", p.short_url]
    return "\n".join(lines) + "\n"


def entry_point() -> None:
    sys.exit(main())
