"""The `cx` command line: demo, ingest, profiles, build, metrics, alerts, inbox, board packs, forget,
retention.

Each command lives in its own module and imports its heavy dependencies lazily, so `cx --help`
is instant and the dashboard never imports Great Expectations.
"""

from __future__ import annotations

import typer

from cli import (
    command_alerts,
    command_board_pack,
    command_build,
    command_demo,
    command_forget,
    command_inbox,
    command_ingest,
    command_metrics,
    command_profiles,
    command_retention,
    command_voc,
)

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Retail CX warehouse: demo data, ingest, build, metrics."
)
app.command("demo")(command_demo.demo)
app.command("ingest")(command_ingest.ingest)
app.command("profiles")(command_profiles.profiles)
app.command("build")(command_build.build)
app.command("metrics")(command_metrics.metrics)
app.command("alerts")(command_alerts.alerts)
app.command("inbox")(command_inbox.inbox)
app.command("board-pack")(command_board_pack.board_pack)
app.command("forget")(command_forget.forget)
app.command("retention")(command_retention.retention)
app.command("voc")(command_voc.voc)

if __name__ == "__main__":
    app()
