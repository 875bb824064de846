"""The shape every capability keeps (issue 10): small modules, short functions, typed routes.

The import contracts are checked by `lint-imports` in scripts/test; these are the
limits it cannot express.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from returnflow.app_context import AppContext
from returnflow.asgi import create_app

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("shape_figures", ROOT / "scripts/shape_figures.py")
assert _spec is not None and _spec.loader is not None
shape = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shape)
PACKAGE = ROOT / "src" / "returnflow"


def test_no_module_is_over_400_lines() -> None:
    assert shape.long_modules(PACKAGE) == []


def test_no_function_is_over_60_lines() -> None:
    assert shape.long_functions(PACKAGE) == []


def test_the_limits_see_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "long.py").write_text("def f() -> None:\n" + body + "\n" + "\n" * 400)
    assert [where for _, where in shape.long_modules(tmp_path)] == [str(tmp_path / "long.py")]
    assert [where for _, where in shape.long_functions(tmp_path)] == [f"{tmp_path}/long.py:1 f"]


def _typed(schema: dict[str, Any]) -> bool:
    """A JSON answer described by a model: a `$ref`, a list of typed items, a typed map."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}))
    if schema.get("type") == "object":
        values = schema.get("additionalProperties")
        return isinstance(values, dict) and "type" in values
    return False


def untyped_answers(document: dict[str, Any]) -> list[str]:
    """Every 2xx JSON answer of the OpenAPI document that names no model."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                # a raw Response (a file, a carrier's own reply) declares no JSON at all
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None and not _typed(schema):
                    found.append(f"{method.upper()} {path} {status}")
    return found


def test_every_api_answer_names_its_model(context: AppContext) -> None:
    assert untyped_answers(create_app(context).openapi()) == []


def test_the_answer_check_sees_an_untyped_route() -> None:
    untyped: dict[str, Any] = {"content": {"application/json": {"schema": {}}}}
    loose = {
        "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": True}}
        }
    }
    typed = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}
    document = {
        "paths": {
            "/a": {"get": {"responses": {"200": untyped}}},
            "/b": {"post": {"responses": {"200": loose}}},
            "/c": {"get": {"responses": {"200": typed}}},
        }
    }
    assert untyped_answers(document) == ["GET /a 200", "POST /b 200"]


def _globals_that_read(source: str) -> list[str]:
    """Template globals (`….globals["x"] = f`) whose function opens a unit of work."""
    import ast

    tree = ast.parse(source)
    functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    registered = [
        node.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Subscript)
        and "globals" in ast.unparse(node.targets[0].value)
        and isinstance(node.value, ast.Name)
    ]
    return [
        name
        for name in registered
        if name in functions
        and any(
            isinstance(call, ast.Call) and ast.unparse(call.func) in {"perform", "attempt"}
            for call in ast.walk(functions[name])
        )
    ]


def test_no_template_global_reads_the_database() -> None:
    """One read per page (issue 10): a page's panels come from its own unit of work."""
    web = Path(importlib.util.find_spec("returnflow.web").origin or "").parent  # type: ignore[union-attr]
    found = {
        path.name: names
        for path in sorted(web.glob("*.py"))
        if (names := _globals_that_read(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_global_check_sees_a_global_that_reads() -> None:
    source = (
        "def panel(request):\n    return perform(context, read)\nenv.globals['panel'] = panel\n"
    )
    assert _globals_that_read(source) == ["panel"]
