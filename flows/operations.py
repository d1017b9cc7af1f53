"""Running the deployments: ``newsfacts serve`` and ``newsfacts alerts``.

``prefect.yaml`` is the one definition of the deployments (names,
entrypoints, parameters, schedules, tags, concurrency). A work pool gets them
through ``prefect deploy --all``; :func:`served_deployments` builds the very
same deployments from that file for ``prefect.serve``, so the two ways of
running cannot drift apart.

:func:`install_alerts` makes ``automations/failures-and-drift.yaml`` live: it
saves a webhook notification block and creates the automations with the
block's id in place of the file's placeholder (again, idempotently).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from prefect import serve
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.events.schemas.automations import AutomationCore
from prefect.exceptions import ObjectNotFound
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron, Interval, RRule

from ingest.errors import EXIT_USAGE, NewsfactsError

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
PREFECT_YAML = REPO / "prefect.yaml"
AUTOMATIONS_YAML = REPO / "automations" / "failures-and-drift.yaml"
ALERT_BLOCK = "newsfacts-alerts"


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The ``deployments`` section of ``prefect.yaml`` (anchors resolved)."""
    data = yaml.safe_load(path.read_text("utf-8"))
    return list(data.get("deployments", []))


def _schedule(item: dict[str, Any]) -> Cron | Interval | RRule:
    extra = {k: item[k] for k in ("timezone", "active", "parameters") if k in item}
    if "cron" in item:
        return Cron(item["cron"], **extra)
    if "interval" in item:
        return Interval(item["interval"], **extra)
    return RRule(item["rrule"], **extra)


def served_deployments(path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    """The deployments of ``prefect.yaml``, built for ``prefect.serve``."""
    deployments = []
    for spec in deployment_specs(path):
        flow = load_flow_from_entrypoint(str(REPO / spec["entrypoint"]))
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                tags=spec.get("tags"),
                parameters=spec.get("parameters"),
                schedules=[_schedule(s) for s in spec.get("schedules") or []],
                concurrency_limit=spec.get("concurrency_limit"),
            )
        )
    return deployments


class DeployedElsewhere(NewsfactsError):
    """Deployments of the same names exist for a work pool; serving them would clash."""

    exit_code = EXIT_USAGE


def _pool_deployments(names: list[str]) -> list[str]:
    async def find() -> list[str]:
        found = []
        async with get_client() as client:
            for name in names:
                try:
                    deployment = await client.read_deployment_by_name(name)
                except ObjectNotFound:
                    continue
                if deployment.work_pool_name or deployment.pull_steps:
                    found.append(name)
        return found

    return asyncio.run(find())


def serve_all(path: Path = PREFECT_YAML, *, announce: Callable[[list[str]], None] | None = None) -> None:
    """Serve every deployment of ``prefect.yaml`` from this process until interrupted.

    Refuses, with the commands to fix it, when ``prefect deploy`` already made
    the same deployments for a work pool: a served run would otherwise inherit
    the pool deployment's pull steps and crash. ``announce`` is called with the
    deployment names once the checks have passed, just before serving starts.
    """
    deployments = served_deployments(path)
    clashing = _pool_deployments([f"{d.flow_name}/{d.name}" for d in deployments])
    if clashing:
        commands = "; ".join(f"prefect deployment delete {name}" for name in clashing)
        raise DeployedElsewhere(
            "these deployments already run on a work pool (prefect deploy); use the worker, or delete them"
            f" first to serve them from here: {commands}"
        )
    if announce is not None:
        announce([d.name for d in deployments])
    serve(*deployments, print_starting_message=False)


def alert_automations(block_id: str, path: Path = AUTOMATIONS_YAML) -> list[AutomationCore]:
    """The automations of the file, with ``block_id`` as their notification block."""
    automations = []
    for item in yaml.safe_load(path.read_text("utf-8"))["automations"]:
        item = copy.deepcopy(item)
        for action in item.get("actions", []):
            if action.get("type") == "send-notification":
                action["block_document_id"] = block_id
        automations.append(AutomationCore.model_validate(item))
    return automations


async def _install(webhook_url: str, path: Path) -> list[str]:
    block = CustomWebhookNotificationBlock(
        name="newsfacts",
        url=webhook_url,
        json_data={"subject": "{{subject}}", "text": "{{body}}"},
    )
    block_id = await block.save(ALERT_BLOCK, overwrite=True)
    created = []
    async with get_client() as client:
        for automation in alert_automations(str(block_id), path):
            for old in await client.read_automations_by_name(automation.name):
                await client.delete_automation(old.id)
            await client.create_automation(automation)
            created.append(automation.name)
    return created


def install_alerts(webhook_url: str, path: Path = AUTOMATIONS_YAML) -> list[str]:
    """Save the webhook block and (re)create the alert automations; returns their names."""
    return asyncio.run(_install(webhook_url, path))
