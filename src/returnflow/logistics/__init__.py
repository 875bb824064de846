"""Reverse logistics (R4): getting the goods from the customer back to the warehouse.

The domain decides *that* goods travel back; this package knows *how*: which carriers
exist and what their waybill numbers look like (`carriers`), and the printable label the
parcel carries (`labels`). It does no I/O of its own beyond what a carrier adapter needs,
and remote calls are meant to leave through the outbox like every other side effect.
"""
