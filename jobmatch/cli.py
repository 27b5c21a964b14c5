"""`flask` commands: users and tokens, the demo county."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, g

from jobmatch.accounts import tokens
from jobmatch.extensions import db
from jobmatch.vocab import Role

users = click.Group("users", help="Accounts and API tokens / 账号与访问令牌")
demo = click.Group("demo", help="The demo county / 演示县数据")


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
def create_token(name: str, role: str, label: str, replace: bool) -> None:
    """Create an API token for user NAME (made if new); the token is printed once."""
    user = tokens.get_or_create_user(name, Role(role))
    if user.role != Role(role):
        raise click.ClickException(f"user {name} exists with role {user.role}, not {role}")
    if replace:
        tokens.revoke_labelled(user, label)
    click.echo(tokens.issue_token(user, label))


@demo.command("load")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed, the same county.")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no regions yet.")
def load_demo(seed: int, if_empty: bool) -> None:
    """Load the demo county (idempotent: a second run changes nothing)."""
    from jobmatch import demo as demo_data
    from jobmatch.people.models import Region

    if if_empty and db.session.execute(sa.select(Region.id).limit(1)).first() is not None:
        click.echo("数据库已有数据，未加载演示县 / database already has data; demo county not loaded")
        return
    g.actor_id = None
    summary = demo_data.load(seed=seed, progress=True)
    click.echo(summary)


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
