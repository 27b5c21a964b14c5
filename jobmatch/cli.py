"""`flask` commands: users and tokens, the demo county, backups."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app, g

from jobmatch.accounts import passwords, service, tokens
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.vocab import Role

users = click.Group("users", help="Accounts and API tokens / 账号与访问令牌")
demo = click.Group("demo", help="The demo county / 演示县数据")
alerts = click.Group("alerts", help="Monitoring alerts / 监测预警")
backup = click.Group("backup", help="Back up and restore the database / 数据库备份与恢复")


@users.command("create-token")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="Role of the user if it is new.",
)
@click.option("--label", default="cli", help="What the token is for.")
@click.option("--replace", is_flag=True, help="Revoke the user's earlier tokens with the same label.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, tokens.MAX_TOKEN_DAYS),
    default=tokens.DEFAULT_TOKEN_DAYS,
    show_default=True,
    help="Days the token works.",
)
def create_token(name: str, role: str, label: str, replace: bool, expires_in_days: int) -> None:
    """Create an API token for user NAME (made if new); the token is printed once."""
    user = tokens.get_or_create_user(name, Role(role))
    if user.role != Role(role):
        raise click.ClickException(f"user {name} exists with role {user.role}, not {role}")
    if replace:
        tokens.revoke_labelled(user, label)
    click.echo(tokens.issue_token(user, label, expires_in_days))


@demo.command("load")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed, the same county.")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no regions yet.")
def load_demo(seed: int, if_empty: bool) -> None:
    """Load the demo county (idempotent: a second run changes nothing)."""
    from jobmatch import demo as demo_data
    from jobmatch.people.models import Region

    if if_empty and db.session.execute(sa.select(Region.id).limit(1)).first() is not None:
        click.echo("数据库已有数据，未加载演示县 / database already has data; demo county not loaded")
        # Readings cleared by a dictionary update (migration 0018) are stored again.
        from jobmatch.matches.codes import backfill

        backfill()
        return
    g.actor_id = None
    summary = demo_data.load(seed=seed, progress=True)
    click.echo(summary)
    # The loader writes rows directly; give them the skill readings the services add on the way in.
    from jobmatch.matches.codes import backfill

    backfill()
    # The alerts inbox is not empty on the first visit: today's run happens now, not at the first check.
    from jobmatch.monitoring import service as monitoring

    run = monitoring.run_daily("demo")
    if run is not None:
        raised = sum(n for counts in run.raised.values() for n in counts.values())
        click.echo(f"今日预警已生成 / today's alerts raised: {raised}")
    if db.engine.dialect.name == "postgresql":
        # Thousands of rows arrived at once: without fresh statistics the planner picks nested loops
        # for a few minutes, until autovacuum notices (a county list took 70 ms instead of 2).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


@users.command("create-admin")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_admin(name: str, password_stdin: bool) -> None:
    """Create an administrator; the password is typed, never a default."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password / 密码", hide_input=True, confirmation_prompt=True)
    try:
        user = service.save_user({"name": name, "role": "admin", "password": password})
    except Problem as problem:
        raise click.ClickException("; ".join(f"{e.field}: {e.zh} / {e.en}" for e in problem.errors)) from problem
    click.echo(f"管理员 {user.name} 已创建 / administrator {user.name} created")


# The demo county's people: who logs in as whom (scopes must exist in the loaded demo county).
DEMO_COUNTY_CODE = "361125000000"
DEMO_CADRE_VILLAGES = 3


@demo.command("users")
def demo_users() -> None:
    """Give the demo bureau officer, cadre and workshop manager new random passwords and print them."""
    from jobmatch.people.models import Region
    from jobmatch.vocab import RegionLevel
    from workshops.models import Workshop

    county = db.session.execute(sa.select(Region).where(Region.code == DEMO_COUNTY_CODE)).scalar_one_or_none()
    if county is None:
        raise click.ClickException("先加载演示县 / load the demo county first: flask demo load")
    villages = db.session.scalars(
        sa.select(Region).where(Region.level == RegionLevel.village).order_by(Region.code).limit(DEMO_CADRE_VILLAGES)
    ).all()
    workshop = db.session.scalars(sa.select(Workshop).order_by(Workshop.id).limit(1)).first()
    accounts = [
        (
            "demo-bureau",
            "县人社局 · bureau",
            {"role": "bureau", "display_name": "县人社局演示账号", "region_codes": [county.code]},
        ),
        (
            "demo-cadre",
            "村干部 · cadre",
            {"role": "cadre", "display_name": "村干部演示账号", "region_codes": [v.code for v in villages]},
        ),
        (
            "demo-manager",
            "车间负责人 · manager",
            {
                "role": "manager",
                "display_name": "车间负责人演示账号",
                "workshop_ids": [workshop.id] if workshop else [],
            },
        ),
    ]
    for name, label, data in accounts:
        password = passwords.random_password()
        existing = service.user_by_name(name)
        service.save_user({"name": name, "password": password, "active": True} | data, existing)
        click.echo(f"  {label:<22} {name:<14} {password}")


ranker_group = click.Group("ranker", help="The matching ranker / 排序模型")


@ranker_group.command("train")
@click.option("--promote", "promote_after", is_flag=True, help="Promote it if it beats the serving model.")
@click.option("--if-none", is_flag=True, help="Only when no trained ranker serves yet.")
def ranker_train(promote_after: bool, if_none: bool) -> None:
    """Train a ranker from recorded referral outcomes and save it with its model card."""
    from jobmatch.matches import training
    from jobmatch.matching.ranker import ModelError

    if if_none and training.status()["serving"]:
        click.echo(f"ranker {training.status()['serving']} serves already / 已有排序模型")
        return

    try:
        model = training.train_and_save(progress=lambda step: click.echo(f"  … {step}", err=True))
    except ModelError as error:
        raise click.ClickException(str(error)) from error
    metrics = model.card_data["holdout_metrics"]
    card = model.card_data
    click.echo(f"ranker {model.version} ({card['kind']}), hold-out from {card['training_window']['holdout_from']}:")
    rows = [
        ("model", metrics["model"]),
        *metrics["baselines"].items(),
        (f"serving {metrics['serving']['version']}", metrics["serving"]),
    ]
    click.echo(f"  lists / 排序列表: {metrics['lists']}, {metrics['lists_measured']} measured")
    for name, m in rows:
        click.echo(
            f"  {name:<28} NDCG@10 {m['ndcg@10']:.3f}   top-3 precision {m['precision@3']:.3f}   AUC {m['auc']:.3f}"
        )
    calibration = metrics["calibration"]
    click.echo(
        f"  calibration / 校准: mean predicted {calibration['mean_predicted']}, observed {calibration['observed']}"
    )
    for reason in card["promotion"]["reasons"]:
        click.echo(f"  {reason['zh']} / {reason['en']}")
    if promote_after:
        try:
            training.promote(model.version)
            click.echo(f"promoted: ranker {model.version} now serves / 已启用")
        except Exception as error:  # a refusal is reported, not a failure of the command
            click.echo(f"not promoted: {error}")


@ranker_group.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote without comparing (for emergencies).")
def ranker_promote(version: str, force: bool) -> None:
    """Serve VERSION if it beat the serving model on the same hold-out."""
    from jobmatch.matches import training

    try:
        training.promote(version, force)
    except Problem as problem:
        raise click.ClickException(problem.errors[0].en) from problem
    click.echo(f"ranker {version} now serves / 已启用")


@ranker_group.command("rollback")
def ranker_rollback() -> None:
    """Serve the previously promoted ranker again (the prior when there was none)."""
    from jobmatch.matches import training

    state = training.rollback()
    click.echo(f"serving: {state['serving'] or 'prior'}")


@ranker_group.command("backtest")
@click.option("--months", default=3, show_default=True, help="How many months of lasting hires to replay.")
@click.option("--version", "version", default=None, help="A saved ranker (default: the serving one).")
def ranker_backtest(months: int, version: str | None) -> None:
    """Replay the last months: the share of lasting hires whose post the ranker would have put in the top 10."""
    from jobmatch.matches import training
    from jobmatch.matching import ranker

    try:
        model = ranker.load(training.models_dir(), version) if version else None
        result = training.backtest(model, months)
    except ranker.ModelError as error:
        raise click.ClickException(str(error)) from error
    overall = result["overall"]
    click.echo(
        f"backtest / 回测 of {result['model']}, {result['window']['from']} – {result['window']['to']}: "
        f"{overall['in_top10']:.1%} of {overall['lasting_hires']} lasting hires were in the top 10"
        " / 稳定就业岗位位于前十的比例"
    )
    for title, table in (("township / 乡镇", result["by_township"]), ("post kind / 岗位类型", result["by_kind"])):
        click.echo(f"  by {title}:")
        for name, row in table.items():
            click.echo(f"    {name:<16} {row['in_top10']:>6.1%} of {row['lasting_hires']}")


@ranker_group.command("status")
def ranker_status() -> None:
    """Show the serving ranker and the saved versions."""
    from jobmatch.matches import training

    state = training.status()
    click.echo(f"serving: {state['serving'] or 'prior'}; saved: {', '.join(state['versions']) or 'none'}")


assign_group = click.Group("assign", help="Batch assignment proposals / 批量岗位分配建议")


@assign_group.command("run")
@click.option("--region", "region_code", required=True, help="12-digit code of a township or county.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), help="Write the proposal as CSV.")
def assign_run(region_code: str, out_path: str | None) -> None:
    """Propose one opening per unemployed willing laborer (exact, under every opening's places)."""
    from jobmatch.matches import assignment

    with click.progressbar(length=1, label="matching laborers / 正在匹配", file=sys.stderr) as bar:

        def tick(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(1)

        proposal = assignment.propose(region_code, progress=tick)
    s = proposal["summary"]
    click.echo(f"{s['laborers']} laborers, {s['candidate_edges']} candidate pairs, model {proposal['model_version']}")
    for name in ("exact", "greedy"):
        f = s[name]
        click.echo(
            f"  {name:<7} assigned {f['assigned']:>5}   expected lasting hires {f['expected_hires']:>8}   "
            f"households without work covered {f['households_covered']:>5}"
        )
    if out_path:
        from jobmatch.ops.files import write_private

        # Names and villages of laborers: readable by the file's owner only.
        write_private(out_path, assignment.to_csv(proposal))
        click.echo(f"proposal written to {out_path} (for cadres to confirm one by one)")


@alerts.command("run")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day (default today).")
def run_alerts(as_of) -> None:
    """Apply the alert rules and raise the alerts not raised before (safe to run twice)."""
    from jobmatch.monitoring import service as monitoring

    g.actor_id = None
    day = as_of.date() if as_of else None
    made = monitoring.run(day)
    closed = monitoring.close_settled(day)
    db.session.commit()
    click.echo(f"预警新增 / alerts raised: {sum(made.values())} " + " ".join(f"{k}={v}" for k, v in made.items()))
    click.echo(f"自动关闭 / alerts closed: {sum(closed.values())} " + " ".join(f"{k}={v}" for k, v in closed.items()))


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _describe(info) -> str:
    revision = f", schema {info.revision}" if info.revision else ""
    return f"{info.path} ({info.size_bytes:,} bytes, {info.tables} tables{revision})"


@backup.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_create(path: Path | None) -> None:
    """Back up the database to PATH (default instance/backups/jobmatch-<time>), safe while the service runs."""
    from jobmatch.ops import backup as backups

    url = _database_url()
    target = path or backups.default_path(Path(current_app.instance_path) / "backups", url)
    try:
        info = backups.create(url, target)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份完成 / backed up: {_describe(info)}")


@backup.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database's contents without asking.")
def backup_restore(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH (checked first; asks unless --yes)."""
    from jobmatch.ops import backup as backups

    url = _database_url()
    try:
        info = backups.describe(url, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    where = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"备份 / backup: {_describe(info)}")
    if not yes and not click.confirm(f"用此备份覆盖 {where} 的全部数据？ Replace everything in {where}?"):
        raise click.ClickException("未恢复 / not restored (use --yes to skip the question)")
    db.session.remove()
    db.engine.dispose()
    try:
        backups.restore(url, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"恢复完成 / restored into {where}. Run `flask db upgrade` if the backup is older, then restart.")


def register(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(alerts)
    app.cli.add_command(ranker_group)
    app.cli.add_command(assign_group)
    from jobmatch.rosters.cli import export_group, import_group

    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
