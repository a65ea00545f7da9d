"""The ``baimq`` command.

Each sub-command is one function ``cmd_NAME(args) -> int`` plus one ``add_NAME(parser)``
that declares its options, registered in :data:`COMMANDS`; adding ``report``, ``template``
or ``collect`` is one more entry. :func:`main` catches everything at the edge: the analyst
sees a Chinese message, never a traceback.

Exit codes: 0 clean, 1 problems found, 2 usage errors (no or bad path, bad options) or an
unexpected failure. For ``check``, findings of any severity give 1 (the issue: "1 when
problems were found"); ``--errors-only`` gives 1 only when there are errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Chinese with exit code 2."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"用法错误：{message}\n")


# ----------------------------------------------------------------------------- check
def add_check(sub) -> None:
    p = sub.add_parser("check", help="检查报表：逐条列出问题（文件、工作表、单元格、数值）")
    p.add_argument("paths", nargs="+", metavar="PATH", help="报表文件或文件夹（递归查找 .xlsx/.xlsm/.xls）")
    p.add_argument("--errors-only", action="store_true", help="只有错误时才返回 1（提示不影响返回值）")
    p.add_argument("--config", default=None, help="项目配置文件 baimq.toml")


def cmd_check(args) -> int:
    from .errors import Finding
    from .loader import check

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        for p in missing:
            print(f"找不到文件或文件夹：{p}", file=sys.stderr)
        return EXIT_USAGE
    n_err = n_warn = 0   # an empty folder is an error finding of check(): nothing to check is not "检查通过"
    for p in args.paths:
        found = check(p, config=args.config)
        for rec in found.to_dict("records"):
            print(Finding(**{k: rec[k] for k in ("severity", "code", "message", "file", "sheet", "cell", "value")}).line())
        n_err += int((found["severity"] == "error").sum())
        n_warn += int((found["severity"] != "error").sum())
    if n_err == n_warn == 0:
        print("检查通过：未发现问题。")
        return EXIT_OK
    print(f"共发现 {n_err} 个错误、{n_warn} 条提示。")
    if args.errors_only and n_err == 0:
        return EXIT_OK
    return EXIT_PROBLEMS


# ----------------------------------------------------------------------------- report, template, collect
def add_report(sub) -> None:
    from .report import add_report as add

    add(sub)


def cmd_report(args) -> int:
    from .report import cmd_report as run

    return run(args)


def add_template(sub) -> None:
    p = sub.add_parser("template", help="生成各县（市、区）填报模板（表头锁定、输入校验、隐藏元数据）")
    p.add_argument("--indicator", nargs="+", required=True, metavar="KEY", help="指标代码，如 budget_revenue")
    p.add_argument("--period", required=True, help="期别，如 2023-07（目标任务模板为年份 2023）")
    p.add_argument("--areas", nargs="+", default=None, help="地区（默认：全市各县（市、区）和市本级）")
    p.add_argument("--out", default="templates", help="输出文件夹（默认 templates/）")
    p.add_argument("--one-file", action="store_true", help="所有地区合用一个模板（默认每个地区一个）")
    p.add_argument("--target", action="store_true", help="目标任务分解模板")
    p.add_argument("--config", default=None, help="项目配置文件 baimq.toml")


def cmd_template(args) -> int:
    from .template import cli_template

    return cli_template(args)


def add_collect(sub) -> None:
    p = sub.add_parser("collect", help="收集一个月的报表：收文情况、未报送、更正、汇总表和回执")
    p.add_argument("inbox", metavar="INBOX", help="存放各地报表的文件夹（只读）")
    p.add_argument("--period", required=True, help="收集的期别，如 2023-07")
    p.add_argument("--out", default=None, help="输出文件夹（默认 out/collect/<期别>）")
    p.add_argument("--areas", nargs="+", default=None, help="应报地区（默认：全市各县（市、区）和市本级）")
    p.add_argument("--indicator", nargs="+", default=None, metavar="KEY", help="应报指标（默认：模板和报表中出现的指标）")
    p.add_argument("--quiet", action="store_true", help="不显示进度")
    p.add_argument("--config", default=None, help="项目配置文件 baimq.toml")


def cmd_collect(args) -> int:
    from .inbox import cli_collect

    return cli_collect(args)


COMMANDS = {
    "check": (add_check, cmd_check),
    "report": (add_report, cmd_report),
    "template": (add_template, cmd_template),
    "collect": (add_collect, cmd_collect),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with *only*, the other commands are bare names (their ``add_NAME`` may
    import heavy modules: ``baimq check`` must start quickly)."""
    parser = _Parser(prog="baimq", description="百千万工程指标报表：读取、检查、比较、出图、出报告")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name, (add, _run) in COMMANDS.items():
        if only is None or name == only:
            add(sub)
        else:
            sub.add_parser(name)
    return parser


def _command_of(argv) -> str | None:
    """The sub-command named on the command line, if it is a known one."""
    words = sys.argv[1:] if argv is None else [str(a) for a in argv]
    first = next((w for w in words if not w.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv=None) -> int:
    """Run the command line; returns the exit code (also when called from Python)."""
    parser = build_parser(_command_of(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command][1](args)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the edge: a message, never a traceback
        from .errors import DataError

        if isinstance(exc, DataError):
            print(str(exc), file=sys.stderr)
            return EXIT_PROBLEMS
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            print(f"无法打开：{exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"程序内部错误（{type(exc).__name__}）：{exc}。请把报表和这条信息发给维护人员。", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
