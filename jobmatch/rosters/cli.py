"""`flask import …` and `flask export …`: rosters from and to files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import g

from jobmatch.errors import Problem
from jobmatch.ops.files import write_private
from jobmatch.rosters import exports, service

import_group = click.Group("import", help="Import rosters (.xlsx, .csv) / 导入名册")
export_group = click.Group("export", help="Export rosters (.xlsx, .csv) / 导出名册")


def _run_import(kind: str, path: str, dry_run: bool, report: str | None) -> None:
    g.actor_id = None
    try:
        data = service.read_file(path)
        click.echo(f"读取 reading {Path(path).name} ({len(data) / 1e6:.1f} MB) …", err=True)
        result = service.import_roster(kind, data, Path(path).name, dry_run=dry_run, progress=_progress(dry_run))
    except Problem as problem:
        raise click.ClickException("; ".join(f"{e.zh} / {e.en}" for e in problem.errors)) from problem
    counts = result.counts
    mode = "试导入（未写入）/ dry run (nothing written)" if dry_run else "已导入 / imported"
    click.echo(
        f"{mode}: 新增 created {counts['created']}, 更新 updated {counts['updated']}, "
        f"无变化 unchanged {counts['unchanged']}, 拒绝 rejected {counts['rejected']}"
    )
    for fate in result.fates:
        if fate.fate == service.REJECTED:
            for error in map(result.named, fate.errors):
                click.echo(
                    f"  拒绝 refused 第 {fate.row} 行 row {fate.row} {fate.label}: "
                    f"{error['column']} {error['column_en']}: {error['zh']} / {error['en']}"
                )
        for change in fate.changes:
            click.echo(
                f"  变更 changed 第 {fate.row} 行 row {fate.row} {fate.label}: {service.change_text(result, change)}"
            )
        for notice in map(result.named, fate.notices):
            click.echo(f"  提醒 notice 第 {fate.row} 行 row {fate.row} {fate.label}: {notice['zh']} / {notice['en']}")
    if report:
        write_private(report, service.report_workbook(result))
        click.echo(f"报告 / report: {report}")


def _progress(dry_run: bool) -> service.Progress:
    """Progress on stderr: a line once the file is read and one per batch (checked, or committed)."""
    done_word = "已检查 checked" if dry_run else "已提交 committed"
    batches = [0]

    def report(done: int, total: int) -> None:
        if done == 0:
            click.echo(
                f"共 {total} 行 · {total} rows read; 每批 {service.BATCH_ROWS} 行 · batches of {service.BATCH_ROWS}",
                err=True,
            )
            return
        batches[0] += 1
        click.echo(f"  第 {batches[0]} 批{done_word}: {done}/{total} 行 rows ({100 * done // total}%)", err=True)

    return report


def _import_command(kind: str, help_text: str) -> click.Command:
    @click.command(kind, help=help_text)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    @click.option("--report", type=click.Path(dir_okay=False), help="Write the row-by-row report .xlsx here.")
    def command(file: str, dry_run: bool, report: str | None) -> None:
        _run_import(kind, file, dry_run, report)

    return command


import_group.add_command(_import_command("laborers", "Import laborers from FILE (.xlsx/.csv) / 导入劳动力名册"))
import_group.add_command(_import_command("households", "Import households from FILE (.xlsx/.csv) / 导入农户名册"))
import_group.add_command(_import_command("employers", "Import employers from FILE (.xlsx/.csv) / 导入用工单位"))
import_group.add_command(_import_command("openings", "Import openings from FILE (.xlsx/.csv) / 导入岗位"))


def _export_command(kind: str, help_text: str) -> click.Command:
    @click.command(kind, help=help_text)
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--masked", is_flag=True, help="Mask ID numbers and phones.")
    def command(file: str, masked: bool) -> None:
        g.actor_id = None
        fmt = "csv" if file.lower().endswith(".csv") else "xlsx"
        write_private(file, exports.export_roster(kind, fmt, masked))
        click.echo(f"已导出 / exported: {file}")

    return command


export_group.add_command(_export_command("laborers", "Export laborers to FILE (.xlsx or .csv) / 导出劳动力名册"))
export_group.add_command(_export_command("households", "Export households to FILE (.xlsx or .csv) / 导出农户名册"))
export_group.add_command(_export_command("employers", "Export employers to FILE (.xlsx or .csv) / 导出用工单位"))
export_group.add_command(_export_command("openings", "Export openings to FILE (.xlsx or .csv) / 导出岗位"))
export_group.add_command(_export_command("referrals", "Export referrals to FILE (.xlsx or .csv) / 导出推荐记录"))
export_group.add_command(_export_command("employments", "Export employments to FILE (.xlsx or .csv) / 导出就业记录"))
