"""Every user-facing string is translated, passes hassfest's rules, and is used by the code.

hassfest checks strings.json and en.json by rules copied below (its code is not shipped with Home
Assistant); what it cannot check is also checked here: the keys the code uses exist, no string is
dead, and every entity's name, states, attributes and unit are translated in English and Danish.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
import json
from pathlib import Path
import re
import string
from typing import Any

import homeassistant
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.sms_dk.compat import probatio
from custom_components.sms_dk.const import DOMAIN, SUBENTRY_RECIPIENT
from custom_components.sms_dk.smsdk import DEFAULT_BASE_URL
from scripts.translations import COMMON, INTEGRATION, english
from tests.conftest import FAR, MOR
from tests.helpers import send_sms
from tests.simulator import SmsDkSimulator

STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text("utf-8"))
ENGLISH: dict[str, Any] = json.loads(english())
DANISH: dict[str, Any] = json.loads((INTEGRATION / "translations/da.json").read_text("utf-8"))
FILES = [INTEGRATION / "strings.json", *sorted((INTEGRATION / "translations").glob("*.json"))]
HA_STRINGS = json.loads((Path(homeassistant.__file__).parent / "strings.json").read_text("utf-8"))

# hassfest's patterns (script/hassfest/translations.py).
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
RE_REFERENCE = re.compile(r"\[%key:([^%]+)%\]")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
# Where hassfest allows no placeholder: entity states, attribute names and units.
NO_PLACEHOLDERS = re.compile(r"entity\.[^.]+\.[^.]+\.(state|state_attributes|unit_of_measurement)")


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _lookup(root: Any, path: str) -> Any:
    """The value at *path* (``a::b::c``), None where there is none."""
    for part in path.split("::"):
        if not isinstance(root, dict) or part not in root:
            return None
        root = root[part]
    return root


def test_english_is_generated_from_strings() -> None:
    """translations/en.json is current (scripts/translations.py writes it, scripts/lint runs it)."""
    assert (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8") == english()


def test_common_texts_are_home_assistants() -> None:
    """The common texts en.json inlines are Home Assistant's own (its strings.json)."""
    assert {key: _lookup(HA_STRINGS, key) for key in COMMON} == COMMON


def _leaves_named(node: Any, wanted: str, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of a step under a key *wanted* (config.step, options.step, subentries)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == wanted and isinstance(value, dict):
                yield from ((f"{path}.{step_id}", step) for step_id, step in value.items())
            else:
                yield from _leaves_named(value, wanted, f"{path}.{key}")


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_strings_pass_hassfest(path: Path) -> None:
    """No URL, HTML, spaces at the ends, quoted or bad placeholder, or combined reference."""
    for key, text in _leaves(json.loads(path.read_text(encoding="utf-8"))):
        assert isinstance(text, str), key
        assert not RE_URL.search(text), f"{key}: a URL, use a description placeholder"
        assert text == text.strip(), key
        assert not RE_COMBINED_REFERENCE.search(text), key
        assert not RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text), key
        assert all(name.isidentifier() for name in _placeholders(text)), key
        if NO_PLACEHOLDERS.match(key):
            assert not _placeholders(text), key
        try:
            cv.string_with_no_html(text)
        except probatio.Invalid:
            pytest.fail(f"{key}: HTML")
    for flow_path, step in _leaves_named(json.loads(path.read_text(encoding="utf-8")), "step"):
        for name, form in [(flow_path, step), *step.get("sections", {}).items()]:
            assert set(form.get("data_description", {})) <= set(form.get("data", {})), name


def test_references_resolve_directly() -> None:
    """Each [%key:...%] names an existing text, not another reference (one level, as Lokalise)."""
    references = [
        (key, match.group(1))
        for key, text in _leaves(STRINGS)
        if (match := RE_REFERENCE.fullmatch(text))
    ]
    assert references
    for key, target in references:
        if target.startswith("common::"):
            text = _lookup(HA_STRINGS, target)
        else:
            assert target.startswith(f"component::{DOMAIN}::"), key
            text = _lookup(STRINGS, target.removeprefix(f"component::{DOMAIN}::"))
        assert isinstance(text, str), f"{key} -> {target} names no text"
        assert not RE_REFERENCE.search(text), f"{key} -> {target} is itself a reference"


@pytest.mark.parametrize("path", FILES[1:], ids=lambda path: path.stem)
def test_every_language_has_every_string(path: Path) -> None:
    """Each language has exactly the keys of strings.json, with the same placeholders."""
    reference = dict(_leaves(ENGLISH))
    translated = dict(_leaves(json.loads(path.read_text(encoding="utf-8"))))
    assert set(translated) == set(dict(_leaves(STRINGS))) == set(reference)
    for key, text in reference.items():
        assert _placeholders(translated[key]) == _placeholders(text), key
        assert translated[key].strip(), key


# --- The keys the code uses, read from its syntax tree ------------------------------------------

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FLOW_BASES = {
    "ConfigFlow": "config",
    "OptionsFlow": "options",
    "OptionsFlowWithReload": "options",
    "ConfigSubentryFlow": "config_subentries",
    "RepairsFlow": "repairs",
    "ConfirmRepairFlow": "repairs",
}
# outbox/notices.py files a kept text's repair issue as f"text_{status}"; the outbox calls it with
# the statuses "expired" (given up after a day) and "failed" (refused when sent again).
DYNAMIC_KEYS = {"text_expired", "text_failed"}


def _called(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


class CodeKeys:
    """The strings the integration's code can pass where Home Assistant expects a translation key.

    A small constant propagation: a key is a string literal, or a name assigned one (also by tuple
    unpacking or as ``errors[field] = ...``), a parameter a caller passes one to, or what a called
    function returns. f-strings are collected as patterns (``dynamic``).
    """

    def __init__(self, root: Path) -> None:
        """Parse every module under *root*."""
        self.parent: dict[ast.AST, ast.AST] = {}
        self.module: dict[ast.AST, Path] = {}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = defaultdict(list)
        self.constants: dict[str, list[ast.expr]] = defaultdict(list)
        self.calls: list[ast.Call] = []
        self.classes: list[ast.ClassDef] = []
        self.assigns: list[ast.Assign] = []
        self.dynamic: set[str] = set()
        self._memo: dict[tuple[ast.AST, int | None], set[str]] = {}
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                self.module[node] = path
                for child in ast.iter_child_nodes(node):
                    self.parent[child] = node
                match node:
                    case ast.FunctionDef() | ast.AsyncFunctionDef():
                        self.functions[node.name].append(node)
                    case ast.Call():
                        self.calls.append(node)
                    case ast.ClassDef():
                        self.classes.append(node)
                    case ast.Assign():
                        self.assigns.append(node)
            for statement in tree.body:
                if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    statement = ast.Assign([statement.target], statement.value)  # noqa: PLW2901
                if isinstance(statement, ast.Assign):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            self.constants[target.id].append(statement.value)

    def scope(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function *node* is in."""
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, FUNCTIONS):
                return node
        return None

    def values(self, node: ast.AST, index: int | None = None) -> set[str]:
        """The strings *node* (its element *index*, for a tuple) can be."""
        if (node, index) not in self._memo:
            self._memo[node, index] = set()  # a recursion ends here
            self._memo[node, index] = self._evaluate(node, index)
        return self._memo[node, index]

    def _evaluate(self, node: ast.AST, index: int | None) -> set[str]:
        match node:
            case ast.Constant(value=str() as text) if index is None:
                return {text}
            case ast.JoinedStr(values=parts):
                self.dynamic.add(
                    "".join(
                        re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                        for part in parts
                    )
                )
            case ast.Tuple(elts=elements) if index is not None:
                return self.values(elements[index])
            case ast.List(elts=elements) | ast.Set(elts=elements) if index is None:
                return {text for element in elements for text in self.values(element)}
            case ast.Dict(values=values):  # a form's errors: {field: key}
                return {text for value in values for text in self.values(value)}
            case ast.Await(value=value):
                return self.values(value, index)
            case ast.IfExp(body=body, orelse=orelse):
                return self.values(body, index) | self.values(orelse, index)
            case ast.Call(func=func):
                return {
                    text
                    for function in self.functions.get(_called(func), [])
                    for returned in ast.walk(function)
                    if isinstance(returned, ast.Return) and returned.value is not None
                    for text in self.values(returned.value, index)
                }
            case ast.Name(id=name):
                return self._name(node, name, index)
        return set()

    def _name(self, node: ast.Name, name: str, index: int | None) -> set[str]:
        scope = self.scope(node)
        if scope is None:
            return {text for value in self.constants[name] for text in self.values(value, index)}
        found: set[str] = set()
        assigned = False
        for statement in ast.walk(scope):
            if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                statement = ast.Assign([statement.target], statement.value)  # noqa: PLW2901
            if not isinstance(statement, ast.Assign):
                continue
            for target in statement.targets:
                if isinstance(target, ast.Subscript):  # errors[field] = key
                    target = target.value  # noqa: PLW2901
                    index_of = None
                elif isinstance(target, ast.Tuple):
                    names = [_called(element) for element in target.elts]
                    index_of = names.index(name) if name in names else None
                    target = target.elts[index_of] if index_of is not None else target  # noqa: PLW2901
                else:
                    index_of = index
                if isinstance(target, ast.Name) and target.id == name:
                    assigned = True
                    found |= self.values(statement.value, index_of)
        parameters = [argument.arg for argument in scope.args.posonlyargs + scope.args.args]
        if name in parameters:
            position = parameters.index(name) - (parameters[0] in {"self", "cls"})
            for call in self.calls:
                if _called(call.func) == scope.name:
                    passed = [kw.value for kw in call.keywords if kw.arg == name]
                    for argument in passed or call.args[position : position + 1]:
                        found |= self.values(argument, index)
        elif not assigned:
            found = {text for value in self.constants[name] for text in self.values(value, index)}
        return found

    def translation_keys(self) -> dict[str, set[str]]:
        """The keys of exceptions, repair issues and entities (``entity.<platform>``)."""
        keys: dict[str, set[str]] = defaultdict(set)
        for call in self.calls:
            callee = _called(call.func)
            for keyword in call.keywords:
                if keyword.arg != "translation_key":
                    continue
                if callee == "async_create_issue":
                    kind = "issues"
                elif callee == "SelectSelectorConfig":
                    kind = "selector"
                elif callee.endswith("Description"):
                    kind = f"entity.{self.module[call].stem}"
                else:
                    kind = "exceptions"
                keys[kind] |= self.values(keyword.value)
        for call in self.calls:  # async_get_exception_message(domain, key, placeholders)
            if _called(call.func) == "async_get_exception_message":
                passed = [kw.value for kw in call.keywords if kw.arg == "translation_key"]
                for argument in passed or call.args[1:2]:
                    keys["exceptions"] |= self.values(argument)
        for assign in self.assigns:
            if any(_called(target) == "_attr_translation_key" for target in assign.targets):
                keys[f"entity.{self.module[assign].stem}"] |= self.values(assign.value)
        return keys

    def flows(self) -> dict[str, dict[str, set[str]]]:
        """Steps, errors, aborts, menu options per flow (config, options, repairs, ...)."""
        subentry_types = {
            _called(flow): next(iter(self.values(kind)))
            for function in self.functions["async_get_supported_subentry_types"]
            for returned in ast.walk(function)
            if isinstance(returned, ast.Return) and isinstance(returned.value, ast.Dict)
            for kind, flow in zip(returned.value.keys, returned.value.values, strict=True)
            if kind is not None
        }
        flows: dict[str, dict[str, set[str]]] = {}
        for cls in self.classes:
            kind = next((FLOW_BASES[_called(b)] for b in cls.bases if _called(b) in FLOW_BASES), "")
            if not kind:
                continue
            if kind == "config_subentries":
                kind = f"{kind}.{subentry_types[cls.name]}"
            found = flows.setdefault(kind, defaultdict(set))
            for call in (node for node in ast.walk(cls) if isinstance(node, ast.Call)):
                arguments = {keyword.arg: keyword.value for keyword in call.keywords}
                callee = _called(call.func)
                if callee in {"async_show_form", "async_show_menu"}:
                    found["step"] |= self.values(arguments["step_id"])
                    if "menu_options" in arguments:
                        found["menu_options"] |= self.values(arguments["menu_options"])
                    if "errors" in arguments:
                        found["error"] |= self.values(arguments["errors"])
                elif callee == "async_abort":
                    found["abort"] |= self.values(arguments["reason"])
                elif callee in {"_async_abort_entries_match", "_abort_if_unique_id_configured"}:
                    found["abort"].add("already_configured")  # Home Assistant's reason
                elif callee in {"async_update_reload_and_abort", "async_update_and_abort"}:
                    # Home Assistant's default reason: by the source of the flow.
                    step = self.scope(call)
                    default = "reauth" if step and "reauth" in step.name else "reconfigure"
                    found["abort"] |= (
                        self.values(arguments["reason"])
                        if "reason" in arguments
                        else {f"{default}_successful"}
                    )
        return flows


@cache
def _code() -> CodeKeys:
    return CodeKeys(INTEGRATION)


def test_translation_keys_of_the_code_are_the_strings() -> None:
    """Exceptions, repair issues and entities: the code uses exactly the keys strings.json has."""
    keys = _code().translation_keys()
    assert keys["exceptions"] == set(STRINGS["exceptions"])
    assert keys["issues"] | DYNAMIC_KEYS == set(STRINGS["issues"])
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    selectors = {
        field["selector"]["select"]["translation_key"]
        for service in services.values()
        for field in service.get("fields", {}).values()
        if "translation_key" in ((field.get("selector") or {}).get("select") or {})
    }
    assert keys["selector"] | selectors == set(STRINGS.get("selector", {}))
    entities = {kind: found for kind, found in keys.items() if kind.startswith("entity.")}
    assert entities == {
        f"entity.{platform}": set(keys) for platform, keys in STRINGS["entity"].items()
    }
    # The allow-list names only keys an f-string of the code can build, and covers each f-string.
    patterns = _code().dynamic
    assert all(any(re.fullmatch(pattern, key) for pattern in patterns) for key in DYNAMIC_KEYS)
    assert all(any(re.fullmatch(pattern, key) for key in DYNAMIC_KEYS) for pattern in patterns)


def test_flow_keys_of_the_code_are_the_strings() -> None:
    """Each flow's steps, errors, abort reasons and menu options are exactly those strings.json has.

    A repair's fix flow is checked against every issue that has one (``issues.<key>.fix_flow``).
    """
    flows = _code().flows()
    texts = {"config": STRINGS["config"], "options": STRINGS.get("options", {})}
    for kind, flow in STRINGS.get("config_subentries", {}).items():
        texts[f"config_subentries.{kind}"] = flow
    fixable = {
        key: issue["fix_flow"] for key, issue in STRINGS["issues"].items() if "fix_flow" in issue
    }
    if fixable:
        texts["repairs"] = {}
    assert set(flows) == set(texts)
    for name, found in flows.items():
        for flow, strings in fixable.items() if name == "repairs" else [(name, texts[name])]:
            steps = strings.get("step", {})
            menus = {option for step in steps.values() for option in step.get("menu_options", {})}
            assert found["menu_options"] == menus, f"{flow}.menu_options"
            for kind in ("step", "error", "abort"):
                assert found[kind] == set(strings.get(kind, {})), f"{flow}.{kind}"


def test_issues_pass_hassfest() -> None:
    """hassfest: each repair issue has a title, and a description or a fix flow, not both."""
    for key, issue in STRINGS["issues"].items():
        assert issue["title"], key
        assert ("description" in issue) != ("fix_flow" in issue), key


# --- What the running integration shows ------------------------------------------------------

# Attributes Home Assistant itself writes; the others come from the entity and need a name.
STANDARD_ATTRIBUTES = {"friendly_name", "device_class", "state_class", "options", "icon"}
STANDARD_ATTRIBUTES |= {"unit_of_measurement", "supported_features", "assumed_state"}
STANDARD_ATTRIBUTES |= {"attribution", "entity_picture", "event_types", "event_type"}


async def test_entities_are_translated(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Every entity's name, states, attributes and unit have an English and a Danish text.

    A text goes out to one recipient and is refused for the other, so that the entities show the
    attributes of both (a refusal has a reason).
    """
    simulator.invalid_receivers.add(FAR)
    await send_sms(hass, MOR, FAR)
    await hass.async_block_till_done()
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert {(entry.domain, entry.translation_key) for entry in entries} == {
        (platform, key) for platform, keys in STRINGS["entity"].items() for key in keys
    }
    attributes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in entries:
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert entry.translation_key is not None
        shown = attributes[entry.domain, entry.translation_key]
        shown |= set(state.attributes) - STANDARD_ATTRIBUTES
        event_types = state.attributes.get("event_types", [])
        if event_types:  # an event entity's event types are the states of its event_type
            shown.add("event_type")
        for language in (ENGLISH, DANISH):
            texts = language["entity"][entry.domain][entry.translation_key]
            assert texts["name"], entry.entity_id
            states = set(texts.get("state", {}))
            assert states == set(state.attributes.get("options", [])), entry.entity_id
            named = texts.get("state_attributes", {})
            if event_types:
                assert set(named["event_type"]["state"]) == set(event_types), entry.entity_id
        # A translated unit shows only where the entity sets no unit of its own.
        unit = ENGLISH["entity"][entry.domain][entry.translation_key].get("unit_of_measurement")
        if unit is not None:
            assert state.attributes.get("unit_of_measurement") == unit, entry.entity_id
    assert any(attributes.values()), "no entity shows attributes: did the text go out?"
    for (platform, key), shown in attributes.items():
        for language in (ENGLISH, DANISH):
            named = language["entity"][platform][key].get("state_attributes", {})
            assert set(named) == shown, f"{platform}.{key}"
            assert all(text.get("name") for name, text in named.items() if name != "event_type")


async def test_forms_have_their_placeholders(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each form passes every placeholder its texts (sections included) use."""
    entry_id = init_integration.entry_id
    flows = hass.config_entries
    results = {
        "config.step.user": await flows.flow.async_init(DOMAIN, context={"source": SOURCE_USER}),
        "config.step.reconfigure": await init_integration.start_reconfigure_flow(hass),
        "config.step.reauth_confirm": await init_integration.start_reauth_flow(hass),
        "options.step.init": await flows.options.async_init(entry_id),
        f"config_subentries.{SUBENTRY_RECIPIENT}.step.user": await flows.subentries.async_init(
            (entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
        ),
        f"config_subentries.{SUBENTRY_RECIPIENT}.step.reconfigure": (
            await init_integration.start_subentry_reconfigure_flow(hass, "mor")
        ),
    }
    for path, result in results.items():
        assert result["type"] is FlowResultType.FORM, path
        texts = _lookup(ENGLISH, path.replace(".", "::"))
        assert texts, path
        given = result.get("description_placeholders") or {}
        for key, text in _leaves(texts):
            assert _placeholders(text) <= set(given), f"{path}.{key}"
    url_help = ENGLISH["config"]["step"]["user"]["sections"]["advanced"]["data_description"]["url"]
    placeholders = results["config.step.user"]["description_placeholders"]
    assert DEFAULT_BASE_URL in url_help.format(**placeholders)
