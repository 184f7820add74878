"""The house as drawn (README "Layout"): a client without Home Assistant, no import circle, the
engines as packages entered only by their front door, and modules of a size one can read."""

from __future__ import annotations

import ast
from pathlib import Path

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "sms_dk"
# Cohesion first: a module holds one concern however long it is, but past this it holds two.
MAX_LINES = 600
MAX_TOP_LEVEL = 24
# The engines: packages with one entrance (their __init__), each with its own small vocabulary.
ENGINES = ("sending", "outbox", "tracking")


def modules() -> dict[str, Path]:
    """Every module of the integration, by dotted name relative to the package."""
    found = {}
    for path in sorted(INTEGRATION.rglob("*.py")):
        parts = path.relative_to(INTEGRATION).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The integration's modules *name* imports, TYPE_CHECKING imports included."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [part for part in package if part]
    known = modules()
    result: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            for alias in node.names:
                full = f"{target}.{alias.name}".strip(".")
                result.add(full if full in known else target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "custom_components.sms_dk"
        ):
            result.add(node.module.removeprefix("custom_components.sms_dk").strip("."))
    result.discard(name)
    return {target for target in result if target in known}


def test_no_import_circle() -> None:
    """No module imports, directly or through others, a module that imports it back."""
    graph = {name: imports(name, path) for name, path in modules().items()}
    # The package itself (__init__) sets everything up: it sits on top and nobody imports it.
    assert not any("" in targets for targets in graph.values())
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            assert state.get(target) != 1, " -> ".join([*trail, name, target])
            if target not in state:
                visit(target, [*trail, name])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_the_client_knows_nothing_of_home_assistant() -> None:
    """Nothing in smsdk/ imports Home Assistant or the integration around it."""
    for path in (INTEGRATION / "smsdk").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} imports from above smsdk"
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "homeassistant" for name in names), path.name


def test_shared_types_live_in_leaf_modules() -> None:
    """The shared vocabulary and the retry policy import no engine; no engine imports the set-up,
    the platforms or the wiring, and the engines are layered: sending -> outbox -> tracking."""
    graph = {name: imports(name, path) for name, path in modules().items()}
    assert graph["models"] <= {"const", "policy", "smsdk"}
    assert graph["policy"] <= {"smsdk"}
    top = {name for name in graph if "." not in name and name not in {"smsdk", *ENGINES}}
    leaves = {"const", "errors", "models", "policy", "storage", "compat"}
    for name, targets in graph.items():
        engine = name.split(".")[0]
        if engine in ENGINES:
            assert not targets & (top - leaves), (name, targets & (top - leaves))
    below = {"sending": {"outbox"}, "outbox": {"tracking"}, "tracking": set()}
    for engine, allowed in below.items():
        used = {
            target.split(".")[0]
            for name, targets in graph.items()
            if name.split(".")[0] == engine
            for target in targets
        }
        assert used & set(ENGINES) <= {engine, *allowed}, (engine, used)


def test_engines_are_entered_by_their_front_door() -> None:
    """Outside an engine's package, only the package itself is imported, never its modules."""
    graph = {name: imports(name, path) for name, path in modules().items()}
    for name, targets in graph.items():
        for target in targets:
            engine = target.split(".")[0]
            if engine in ENGINES and name.split(".")[0] != engine:
                assert target == engine, f"{name} imports {target}"


def test_modules_are_readable() -> None:
    """No module over 600 lines, and at most 24 modules at the top (core's ntfy has 12)."""
    sizes = {
        name or "__init__": len(path.read_text(encoding="utf-8").splitlines())
        for name, path in modules().items()
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
    top = list(INTEGRATION.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, sorted(path.name for path in top)
    for engine in ENGINES:
        assert (INTEGRATION / engine / "__init__.py").is_file(), engine


def test_tests_name_the_fixtures_they_only_need_set_up() -> None:
    """A test that needs the entry loaded but never touches it says so with usefixtures.

    As core's tests do: an argument the test does not read looks like one it forgot to check.
    """
    unread: list[str] = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = {argument.arg for argument in node.args.args}
            if "init_integration" not in arguments or not node.name.startswith("test_"):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if "init_integration" not in names:
                unread.append(f"{path.name}::{node.name}")
    assert unread == []
