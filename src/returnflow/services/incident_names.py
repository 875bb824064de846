"""Names, not codes, for the keys monitors breach on (issue 14, R13.1).

A monitor keyed by merchant, SKU, carrier or category stores its bare key (and an
incident's title and summary were written with it). The pages show the merchant's name
(services/merchants.py), the product's title with its SKU, the carrier's name
(services/carrier_names.py) and the category's label (domain/analyses.category_label),
all read in the page's own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from returnflow.domain.analyses import category_label
from returnflow.domain.incidents import Incident
from returnflow.domain.monitors import Scope, key_label
from returnflow.domain.text import Text
from returnflow.logistics.carriers import Carrier
from returnflow.services.carrier_names import carrier_label
from returnflow.services.merchants import merchant_names
from returnflow.services.monitors import MonitorView
from returnflow.services.unit_of_work import UnitOfWork

Names = dict[tuple[str, str], Text]  # (scope, key) → the words a page shows


def key_names(
    uow: UnitOfWork, keys: Iterable[tuple[Scope, str]], carriers: Mapping[str, Carrier] | None
) -> Names:
    """(scope, key) → its name, for each pair asked."""
    wanted = set(keys)
    merchants = merchant_names(uow, [k for s, k in wanted if s is Scope.MERCHANT])
    titles = uow.names.product_titles([k for s, k in wanted if s is Scope.SKU])
    names: Names = {}
    for scope, key in wanted:
        if not key or scope is Scope.ALL:
            names[(scope.value, key)] = key_label(scope, key)
        elif scope is Scope.MERCHANT:
            name = merchants.get(key, key)
            names[(scope.value, key)] = Text(name, name)
        elif scope is Scope.SKU:
            title = titles.get(key)
            names[(scope.value, key)] = (
                Text(f"{title}（{key}）", f"{title} ({key})") if title else Text(key, key)
            )
        elif scope is Scope.CARRIER:
            names[(scope.value, key)] = carrier_label(key, carriers)
        else:
            names[(scope.value, key)] = category_label(key)
    return names


def monitor_names(
    uow: UnitOfWork, views: Sequence[MonitorView], carriers: Mapping[str, Carrier] | None
) -> Names:
    """The names of every key the monitors page shows."""
    pairs = [(v.monitor.scope, r.key) for v in views for r in v.readings]
    return key_names(uow, pairs, carriers)


@dataclass(frozen=True, slots=True)
class Named:
    """An incident's title and summary with its breach key named."""

    title: Text
    summary: Text
    where: Text | None  # the merchant, product, carrier or category; None for the platform


def incident_words(
    uow: UnitOfWork, incidents: Sequence[Incident], carriers: Mapping[str, Carrier] | None
) -> dict[int, Named]:
    """incident id → its words with names in place of codes."""
    scopes = {m.id: m.scope for m in uow.monitors.all()}
    keyed: dict[int, tuple[Scope, str]] = {}
    for incident in incidents:
        key = incident.breach_key.partition("|")[2]
        scope = scopes.get(incident.monitor_id or 0)
        if scope is not None and key and scope is not Scope.ALL and not incident.drill:
            keyed[incident.id] = (scope, key)
    names = key_names(uow, keyed.values(), carriers)
    words = {}
    for incident in incidents:
        if incident.id not in keyed:
            words[incident.id] = Named(incident.title, incident.summary, None)
            continue
        scope, key = keyed[incident.id]
        name = names[(scope.value, key)]
        words[incident.id] = Named(
            Text(
                incident.title.zh.replace(f" · {key}", f" · {name.zh}"),
                incident.title.en.replace(f" · {key}", f" · {name.en}"),
            ),
            Text(
                incident.summary.zh.replace(f" {key}）", f" {name.zh}）"),
                incident.summary.en.replace(f" {key})", f" {name.en})"),
            ),
            name,
        )
    return words
