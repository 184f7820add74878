"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import timedelta
from enum import Enum
import json
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import yaml as yaml_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotSerializer
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.amber import AmberSnapshotExtension

from custom_components.sms_dk.const import CONF_MAX_PER_DAY, CONF_MAX_PER_HOUR, DOMAIN
from custom_components.sms_dk.storage import journal_path
from tests.conftest import FAR, MOR


async def send_sms_call(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call sms_dk.send_sms with *data* as it is, and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def send_sms(
    hass: HomeAssistant, *recipients: str, message: str = "Alarm i stuen", **data: Any
) -> dict[str, Any]:
    """Send *message* to *recipients* with sms_dk.send_sms and return its response."""
    return await send_sms_call(hass, recipients=list(recipients), message=message, **data)


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let *seconds* pass, and everything they trigger finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def ticking[T](
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, awaitable: Awaitable[T], step: float = 0.1
) -> T:
    """Await *awaitable* while the frozen clock moves on in small steps.

    Under the frozen clock a timeout never fires by itself; this lets a request time out (or a
    late answer come) as it would in real time, without blocking on Home Assistant's tasks.
    The clock stands still while a thread works for the loop (a platform imported in the
    import executor, a journal read): on a loaded machine that takes longer than many turns of
    the loop, and the frozen seconds must not run out meanwhile (they did once, in CI, for a
    set-up that imported its platforms).
    """
    task = asyncio.ensure_future(awaitable)
    with _watching_threads(hass) as in_threads:
        async with asyncio.timeout(120):  # real seconds: a hang fails, and says where
            ticks = 0
            while ticks < 3000:
                for _ in range(20):
                    if task.done():
                        return task.result()
                    await asyncio.sleep(0)
                if busy := [job for job in in_threads if not job.done()]:
                    await asyncio.wait([asyncio.wrap_future(job) for job in busy])
                    continue
                freezer.tick(timedelta(seconds=step))
                async_fire_time_changed(hass)
                ticks += 1
    task.cancel()
    raise AssertionError(f"still waiting after {3000 * step:g} s")


@contextmanager
def _watching_threads(hass: HomeAssistant) -> Iterator[list[Future[Any]]]:
    """Collect the jobs given to Home Assistant's executors while the block runs."""
    jobs: list[Future[Any]] = []
    executors = [hass.import_executor, getattr(hass.loop, "_default_executor", None)]
    watched = [executor for executor in executors if executor is not None]
    for executor in watched:

        def submit(
            fn: Callable[..., Any], /, *args: Any, _submit: Any = executor.submit, **kwargs: Any
        ) -> Future[Any]:
            job: Future[Any] = _submit(fn, *args, **kwargs)
            jobs.append(job)
            return job

        executor.submit = submit  # type: ignore[method-assign]
    try:
        yield jobs
    finally:
        for executor in watched:
            del executor.submit


# The project's automation blueprints, by their path below this folder ("sms_dk/....yaml").
BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation"


def load_blueprint(path: str, schema: Any = BLUEPRINT_SCHEMA) -> Blueprint:
    """The automation blueprint at *path*, as Home Assistant's blueprint machinery loads it."""
    return Blueprint(
        yaml_util.load_yaml_dict(BLUEPRINTS / path),
        path=path,
        expected_domain="automation",
        schema=schema,
    )


def blueprint_config_dir(tmp_path: Path, path: str) -> Path:
    """A config folder under *tmp_path* with the blueprint at *path* where Home Assistant looks
    for it (to be made outside the event loop, where file work belongs)."""
    target = tmp_path / "blueprints" / "automation" / path
    target.parent.mkdir(parents=True)
    shutil.copy(BLUEPRINTS / path, target)
    return tmp_path


def no_spend_limits(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Turn the spend guard's limits off, at once (options take effect without a reload): for
    tests that send more texts than an hour's limit (tests/test_guard_usage.py tests the guard)."""
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_MAX_PER_HOUR: 0, CONF_MAX_PER_DAY: 0}
    )


def get_device(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    """The device of *config_entry_id* with *identifier*.

    ``async_get_device_by_identifier`` is new in Home Assistant 2026.8, which deprecates
    ``async_get_device`` for it; older releases (tested by ``scripts/test --matrix``) have only
    ``async_get_device``.
    """
    if hasattr(registry, "async_get_device_by_identifier"):
        return registry.async_get_device_by_identifier(identifier, config_entry_id)
    return registry.async_get_device(identifiers={identifier})


def _plain_keys[M: Mapping[Any, Any]](mapping: M) -> M:
    """*mapping* with enum keys as the strings they equal.

    Newer releases write state attributes and capabilities with keys such as
    EntityStateAttribute.FRIENDLY_NAME, older ones "friendly_name": the same key to every
    reader, which a snapshot would show differently.
    """
    plain = {
        key.value if isinstance(key, Enum) and isinstance(key, str) else key: value
        for key, value in mapping.items()
    }
    return type(mapping)(plain)


class _EntitySnapshotSerializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's serializer, giving the same snapshot on every supported release."""

    @classmethod
    def _serializable_state(cls, data: State) -> Any:
        serialized = super()._serializable_state(data)
        serialized["attributes"] = _plain_keys(serialized["attributes"])
        return serialized

    @classmethod
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> Any:
        serialized = super()._serializable_entity_registry_entry(data)
        if serialized["capabilities"] is not None:
            serialized["capabilities"] = _plain_keys(serialized["capabilities"])
        if isinstance(serialized["aliases"], set):
            # Before entity registry version 1.22 the aliases were a set of the user's own (the
            # entity's name counting besides); since, a list in the user's order, with the name as
            # None. Home Assistant's own migration of stored entries: the name first, then the set.
            serialized["aliases"] = [None, *sorted(serialized["aliases"])]
        return serialized


class EntitySnapshotExtension(AmberSnapshotExtension):
    """Snapshots of registry entries and states as Home Assistant's own tests take them.

    Home Assistant's serializer leaves out what differs from run to run (ids, times, contexts);
    the files stay syrupy's own, in tests/__snapshots__/ with the others (see the snapshot
    fixture in tests/conftest.py). Use it as ``snapshot.use_extension(EntitySnapshotExtension)``.
    """

    serializer_class = _EntitySnapshotSerializer


async def snapshot_one_platform(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    platform: Platform,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Set up *entry* with *platform* alone, snapshot that platform's entities, and unload it.

    The unload is done here, with the same one platform: at the end of the test Home Assistant
    would unload it with all of them, which fails for those never loaded and leaves the entry
    half unloaded, its credit poll still scheduled (the test plugins of 2026.5 and 2026.8 fail
    the test for that timer; 2026.10 cancels it at shutdown, and 2026.3's plugin reports none).
    """
    with patch("custom_components.sms_dk.PLATFORMS", [platform]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await snapshot_platform(
            hass, entity_registry, snapshot.use_extension(EntitySnapshotExtension), entry.entry_id
        )
        assert await hass.config_entries.async_unload(entry.entry_id)


def journal_records(hass: HomeAssistant, entry_id: str) -> list[dict[str, Any]]:
    """The records of the entry's journal, as they are on disk now (what a hard kill leaves)."""
    path = journal_path(hass, entry_id)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def kept_on_disk(hass: HomeAssistant, entry_id: str) -> list[dict[str, Any]]:
    """The texts the entry's journal holds on disk now, as a start would read them back."""
    texts: dict[str, dict[str, Any]] = {}
    for record in journal_records(hass, entry_id):
        if record.get("k") != "text":
            continue
        if "put" in record:
            texts[record["put"]["id"]] = record["put"]
        else:
            texts.pop(record["del"], None)
    return list(texts.values())


# The recipients of tests/conftest.py, by number, and their notify entities.
ENTITIES = {MOR: "notify.mor_sms", FAR: "notify.far_sms"}


async def send_one_of_three_ways(hass: HomeAssistant, number: int) -> str:
    """Send text *number* to Mor or Far, by a notify entity, notify.sms_dk or sms_dk.send_sms."""
    receiver = (MOR, FAR)[number % 2]
    message = f"Alarm {number:03d}"
    way = number % 3
    if way == 0:
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": ENTITIES[receiver], "message": message},
            blocking=True,
        )
    elif way == 1:
        await hass.services.async_call(
            "notify", "sms_dk", {"message": message, "target": [receiver]}, blocking=True
        )
    else:
        await send_sms(hass, receiver, message=message)
    return receiver
