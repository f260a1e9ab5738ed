"""Serve the deployments of prefect.yaml from this process: one machine, no work pool."""
from __future__ import annotations

import os
from pathlib import Path

import yaml
from prefect import serve
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron


def deployments(config: Path, overrides: dict | None = None) -> list:
    """The deployments that `config` (a prefect.yaml) defines, as runner deployments: its flow
    entrypoint, parameters (with `overrides` on top), cron schedules with time zone, tags and
    concurrency limit. Relative entrypoints and paths are taken from the config's folder."""
    spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    runners = []
    for deployment in spec.get("deployments") or []:
        flow = load_flow_from_entrypoint(str(config.parent / deployment["entrypoint"]))
        schedules = [Cron(schedule["cron"], timezone=schedule.get("timezone"), active=schedule.get("active", True))
                     for schedule in deployment.get("schedules") or []]
        runners.append(flow.to_deployment(
            name=deployment["name"], parameters={**(deployment.get("parameters") or {}), **(overrides or {})},
            schedules=schedules, tags=deployment.get("tags"), description=deployment.get("description"),
            concurrency_limit=deployment.get("concurrency_limit")))
    if not runners:
        raise ValueError(f"{config} defines no deployments")
    return runners


def serve_config(config: Path, overrides: dict | None = None) -> None:
    """Serve `config`'s deployments until interrupted; flow runs start in the config's folder."""
    config = config.resolve()
    os.chdir(config.parent)
    serve(*deployments(config, overrides))
