"""Cheaper ways to build the frozen values the policy engine builds on every call.

A frozen dataclass refuses assignment by overriding `__setattr__`, so the `__init__`
that `dataclasses` writes for it stores every field through `object.__setattr__`: a
generic attribute look-up and call per field. For the values a decision builds by the
dozen (verdicts, refund lines, money) that was a fifth of the cost of `review.assess`
(issue 11). Two remedies, both leaving the class, its equality, hashing, ordering,
`replace`, pickling and its refusal of assignment (`FrozenInstanceError`) as they were:

* `quick_init` gives the class an `__init__` that stores each field through its
  slot's own descriptor, the object `object.__setattr__` ends up calling (about 40 %
  cheaper); every `cls(...)` anywhere benefits.
* `maker` answers a function building the class about twice as fast again, for the
  few values built on every decision (`rules.judge_line`, `review.assess`, the refund
  estimate): it fills a plain twin with the same slots and then assigns `__class__`.

Only plain fields are supported (no `default_factory`, no `__post_init__`, no
`init=False`): a class that needs more keeps its own `__init__`, and both say so when
the class is defined instead of building a value wrongly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, fields, is_dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")


def _fields(cls: type) -> tuple[Field[Any], ...]:
    return fields(cast(Any, cls))


def _check_plain_fields(cls: type) -> None:
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: only for frozen dataclasses")
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: only with slots and without __post_init__")
    for item in _fields(cls):
        if not item.init or item.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{item.name}: only plain fields")


def _signature(cls: type, namespace: dict[str, Any]) -> str:
    """The parameters of the dataclass's `__init__`; defaults go into `namespace`."""
    positional: list[str] = []
    keyword: list[str] = []
    for index, item in enumerate(_fields(cls)):
        param = item.name
        if item.default is not MISSING:
            namespace[f"_default_{index}"] = item.default
            param = f"{item.name}=_default_{index}"
        (keyword if item.kw_only else positional).append(param)
    return ", ".join([*positional, *(["*", *keyword] if keyword else [])])


def _compile(source: str, namespace: dict[str, Any], name: str) -> Any:
    # the dataclasses module writes its __init__ the same way; every name in `source`
    # is a field name of a class of ours
    exec(source, namespace)
    return namespace[name]


def quick_init(cls: type[T]) -> type[T]:
    """Give a frozen, slotted dataclass an `__init__` that sets its slots directly."""
    _check_plain_fields(cls)
    namespace: dict[str, Any] = {}
    body = []
    for index, item in enumerate(_fields(cls)):
        namespace[f"_set_{index}"] = cls.__dict__[item.name].__set__
        body.append(f"    _set_{index}(self, {item.name})\n")
    params = ", ".join(["self", _signature(cls, namespace)]).rstrip(", ")
    source = f"def __init__({params}) -> None:\n" + "".join(body or ["    pass\n"])
    init = _compile(source, namespace, "__init__")
    old = cls.__dict__["__init__"]
    init.__qualname__ = old.__qualname__
    init.__annotations__ = dict(old.__annotations__)
    init.__doc__ = old.__doc__
    init.__module__ = cls.__module__
    setattr(cls, "__init__", init)  # noqa: B010 (mypy refuses assigning a method)
    return cls


def maker(cls: type[T]) -> Callable[..., T]:
    """A function building `cls` values with the arguments of `cls(...)`, faster.

    It fills the slots of a plain twin class (same slots, no `__setattr__` of its own,
    so each store is the interpreter's fast slot store), then makes the object an
    instance of `cls` by assigning `__class__`, which Python allows between classes of
    the same layout; that is checked here, once. The value is indistinguishable from
    `cls(...)`: same class, fields, equality and hash, and frozen from then on.
    """
    _check_plain_fields(cls)
    names = tuple(item.name for item in _fields(cls))
    if tuple(cls.__dict__["__slots__"]) != names:
        raise TypeError(f"{cls.__name__}: maker needs exactly one slot per field")
    draft = type(f"_{cls.__name__}Draft", (), {"__slots__": names})
    probe: Any = object.__new__(draft)
    probe.__class__ = cls  # a TypeError here: the layouts differ
    namespace: dict[str, Any] = {"_new": object.__new__, "_draft": draft, "_cls": cls}
    name = f"make_{cls.__name__}"
    source = (
        f"def {name}({_signature(cls, namespace)}):\n"
        "    value = _new(_draft)\n"
        + "".join(f"    value.{field} = {field}\n" for field in names)
        + "    value.__class__ = _cls\n"
        "    return value\n"
    )
    make: Callable[..., T] = _compile(source, namespace, name)
    make.__module__ = cls.__module__
    make.__qualname__ = name
    return make
