"""The `returnflow` command: serve, worker, migrate, demo."""

from __future__ import annotations

import logging
import os
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import returnflow.memory  # first: keeps httpx's command line out (memory.py)
from returnflow import (
    analytics_cli,
    complaints_cli,
    log_privacy,
    outbox_cli,
    privacy_cli,
    records_cli,
)
from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo.accounts import create_demo_accounts
from returnflow.demo.notifications import ring as ring_demo_bells
from returnflow.domain.access import Principal, Role
from returnflow.domain.text import DomainError
from returnflow.process_secrets import MissingSecrets, resolve
from returnflow.services import accounts, staff_notices
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.maintenance import holds_orders
from returnflow.storage.migrate import upgrade

app = typer.Typer(help="ReturnFlow: returns and exchanges for a marketplace.", no_args_is_help=True)
users = typer.Typer(help="Staff accounts and API tokens.", no_args_is_help=True)
app.add_typer(users, name="user")
app.add_typer(records_cli.audit, name="audit")  # issue 9: records that prove themselves
app.command("backup")(records_cli.backup)
app.command("restore")(records_cli.restore)
app.add_typer(privacy_cli.privacy, name="privacy")  # R14.1: retention, anonymisation
app.add_typer(complaints_cli.complaints, name="complaints")  # issue 12: the classifier
app.add_typer(analytics_cli.analytics, name="analytics")  # issue 14: KPI rollups
app.add_typer(outbox_cli.outbox, name="outbox")  # issue 11: dead letters, re-driven
from returnflow.reports_cli import report as _report  # noqa: E402  (issue 14, R9.3)

app.command("report")(_report)  # the periodic report: PDF, XLSX, mail to subscribers
console = Console()


def _context() -> AppContext:
    return AppContext.from_settings(Settings())


def _active_account(uow: UnitOfWork, username: str) -> Principal:
    """The active account of that name, or exit saying there is none."""
    found = accounts.active_account(uow, username)
    if found is None:
        console.print(f"[red]No active account {username}[/red]")
        raise typer.Exit(1)
    return found


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = Settings()
    upgrade(settings.database_url)
    console.print(f"[green]Database is up to date[/green] ({_safe_url(settings.database_url)})")


@app.command()
def demo(
    orders: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many orders")] = 10_000,
    seed: Annotated[int, typer.Option(help="Same seed, same data")] = 7,
) -> None:
    """Fill an empty database with a realistic marketplace: merchants, customers, orders,
    returns. A database that holds orders is refused: the demo's orders would collide
    with them (and demo accounts with printed passwords have no place beside real data)."""
    upgrade(Settings().database_url)
    context = _context()
    if not _is_empty(context):
        console.print("[red]该数据库已有订单；演示数据只装入空数据库。[/red]", highlight=False)
        console.print(
            "[red]The database already holds orders; demo data goes into an empty one.[/red]",
            highlight=False,
        )
        raise typer.Exit(1)
    _load_demo(context, orders, seed)


def _load_demo(context: AppContext, orders: int, seed: int) -> None:
    from returnflow.demo.generator import generate, settle_history

    with Progress(
        TextColumn("[bold]Demo data"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("orders", total=orders)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = generate(context, orders=orders, seed=seed, now=context.clock(), progress=advance)
    settled = settle_history(context)
    console.print(
        f"[green]Loaded[/green] {summary.merchants} merchants, {summary.customers} customers, "
        f"{summary.orders} orders, {summary.returns} returns "
        f"({settled} historical notices recorded, not sent)"
    )
    for status, count in sorted(summary.by_status.items()):
        console.print(f"  {status:<18} {count}")
    console.print("Staff accounts (sign in at /staff):")
    for account in create_demo_accounts(context, seed, context.clock()):
        scope = f" ({account.merchant_id})" if account.merchant_id else ""
        console.print(
            f"  {account.role.value:<10} {account.username:<10} {account.password}{scope}"
        )
    from returnflow.demo.training import train_demo_team  # issue 17: the team's training past

    train_demo_team(context, context.clock(), seed)
    from returnflow.demo.incidents import replay as replay_monitors  # issue 14, R13.1

    replay_monitors(context, context.clock())  # the festival surge opens incidents
    ring_demo_bells(context, context.clock(), seed)  # issue 13: bells, once accounts exist


Demo = Annotated[
    bool | None,
    typer.Option(
        "--demo/--no-demo",
        help="Demo mode: made-up secrets kept beside the database, demo data when empty "
        "(default: RETURNFLOW_DEMO)",
    ),
]


def _settings_or_exit(demo: bool | None) -> Settings:
    """Settings with every secret the configuration needs, or exit naming what is missing."""
    try:
        return resolve(Settings(), demo=demo)
    except MissingSecrets as error:
        console.print(f"[red]{error.message.zh}[/red]", highlight=False)
        console.print(f"[red]{error.message.en}[/red]", highlight=False)
        raise typer.Exit(2) from error


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Demo = None,
    demo_orders: Annotated[
        int,
        typer.Option(min=0, help="Demo mode: orders to load when the database is empty (0: none)"),
    ] = 10_000,
    worker: Annotated[bool, typer.Option(help="Run the background worker in this process")] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="API processes on the one port (forked); the background worker stays "
            "one thread in this parent process",
        ),
    ] = 1,
) -> None:
    """Run the API (and the worker) on the configured database, migrating it first.

    With --workers N above 1, N forked API processes share the port, each building its
    own app (`returnflow.asgi:app_from_environment`); this parent migrates, loads the
    demo, runs the one worker thread and passes SIGTERM/SIGINT on (processes.py).
    """
    import uvicorn

    from returnflow.asgi import create_app
    from returnflow.jobs.worker import Worker

    settings = _settings_or_exit(demo)  # before anything is touched
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    upgrade(settings.database_url)
    context = AppContext.from_settings(settings)
    # demo data brings accounts with printed passwords: never outside demo mode
    if settings.demo and demo_orders and _is_empty(context):
        console.print("The database is empty: loading demo data first.")
        _load_demo(context, demo_orders, seed=7)
    if workers > 1:
        raise typer.Exit(_serve_processes(context, host, port, workers, worker))
    stop: threading.Event | None = None
    if worker:
        _, stop = Worker(context).start_thread()
        console.print("Background worker started.")
    base = f"http://{host}:{port}"
    console.print(f"Customers: {base}/portal  ·  Staff: {base}/staff  ·  API: {base}/docs")
    try:
        # proxy_headers off: uvicorn would otherwise take X-Forwarded-For from any local
        # client as the address; RETURNFLOW_TRUSTED_PROXIES decides that (api/client_address.py)
        api = create_app(context)
        returnflow.memory.settle_heap()  # built: the collector may skip it from now
        uvicorn.run(api, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if stop is not None:
            stop.set()


def _serve_processes(context: AppContext, host: str, port: int, count: int, worker: bool) -> int:
    """`count` API processes forked onto one socket (processes.py); this parent keeps
    the one worker thread, started after the forks so no child inherits it."""
    import uvicorn

    from returnflow.jobs.worker import Worker
    from returnflow.processes import run_api, supervise

    if context.settings.demo:  # the children resolve demo mode's secrets from the same file
        os.environ["RETURNFLOW_DEMO"] = "1"
    # proxy_headers off: see serve; each child builds its app from this import string
    config = uvicorn.Config(
        "returnflow.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
    )
    sock = config.bind_socket()
    context.engine.dispose()  # no pooled connection crosses the fork
    stops: list[threading.Event] = []

    def start_worker() -> None:
        if worker:
            stops.append(Worker(context).start_thread()[1])
            console.print("Background worker started.")

    base = f"http://{host}:{port}"
    console.print(f"{count} API processes on {base}  ·  Staff: {base}/staff  ·  API: {base}/docs")
    try:
        return supervise(count, run_api, (config, sock), started=start_worker)
    finally:
        for stop in stops:
            stop.set()


@app.command(name="worker")
def run_worker(
    demo: Demo = None,
    processes: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes to run side by side (SIGTERM/SIGINT stops them all)",
        ),
    ] = 1,
) -> None:
    """Run the background worker alone (outbox delivery, auto-close, auto-confirm)."""
    from returnflow.jobs.worker import Worker

    settings = _settings_or_exit(demo)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if processes > 1:
        from returnflow.processes import run_worker as worker_process
        from returnflow.processes import supervise

        console.print(f"{processes} worker processes running; Ctrl+C or SIGTERM stops them.")
        raise typer.Exit(supervise(processes, worker_process, (settings.demo,)))
    log_privacy.install()  # R14.1: no customer data in the worker's error logs
    stop = threading.Event()
    console.print("Worker running; Ctrl+C stops it.")
    try:
        Worker(AppContext.from_settings(settings)).run(stop)
    except KeyboardInterrupt:
        stop.set()


@users.command("add")
def user_add(
    username: Annotated[
        str, typer.Argument(help="Sign-in name: lower-case letters, digits, . _ -")
    ],
    role: Annotated[Role, typer.Option(help="What the account may do")],
    name: Annotated[str, typer.Option(help="Display name")] = "",
    merchant: Annotated[str | None, typer.Option(help="Merchant id, for merchant accounts")] = None,
    email: Annotated[
        str | None, typer.Option(help="Where the account's notifications are mailed")
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters"
        ),
    ] = "",
) -> None:
    """Create a staff account (passwords are stored as argon2 hashes)."""
    upgrade(Settings().database_url)
    context = _context()
    now = context.clock()
    try:
        with context.uow() as uow:
            principal = accounts.add_user(
                uow,
                username=username,
                display_name=name or username,
                password=password,
                role=role,
                now=now,
                merchant_id=merchant,
            )
            staff_notices.set_email(uow, principal.user_id, email)  # issue 13
            uow.commit(now)
    except DomainError as error:
        console.print(f"[red]{error.message.en}[/red]")
        raise typer.Exit(1) from error
    console.print(f"[green]Created[/green] {role.value} account {username}")


@users.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="The account the token acts as")],
    label: Annotated[str, typer.Option(help="What the token is for")] = "api",
    scope: Annotated[
        str | None,
        typer.Option(
            help="staff (acts as the account everywhere) or integration (only the routes "
            "systems call); default: integration for integration accounts, else staff"
        ),
    ] = None,
) -> None:
    """Issue an API bearer token for an account; it is shown once."""
    context = _context()
    now = context.clock()
    with context.uow() as uow:
        principal = _active_account(uow, username)
        chosen = scope or (
            accounts.INTEGRATION_SCOPE
            if principal.role is Role.INTEGRATION
            else accounts.STAFF_SCOPE
        )
        try:
            token = accounts.issue_api_token(uow, principal, label, now, chosen)
        except DomainError as error:
            console.print(f"[red]{error.message.en}[/red]")
            raise typer.Exit(1) from error
        uow.commit(now)
    print(token)


@users.command("reset-totp")
def user_reset_totp(
    username: Annotated[str, typer.Argument(help="The account whose phone was lost")],
) -> None:
    """Turn an account's two-step sign-in off (it enrols again if its role requires it).

    The way back in when the only administrator has lost the phone.
    """
    from returnflow.services import user_admin

    context = _context()
    now = context.clock()
    with context.uow() as uow:
        user_admin.reset_totp(uow, _active_account(uow, username).user_id)
        uow.commit(now)
    console.print(f"[green]Two-step sign-in is off for[/green] {username}")


def _is_empty(context: AppContext) -> bool:
    return not holds_orders(context.session_factory)


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


if __name__ == "__main__":
    app()
