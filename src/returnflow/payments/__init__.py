"""Payment gateways: how a refund leaves ReturnFlow and how we learn it was paid.

R6.4 says money moves exactly once. Gateways answer late, time out and crash mid-call,
so every refund submission carries an idempotency key derived from the refund itself
(`gateway.refund_idempotency_key`): a retry after any failure re-sends the same key and
the gateway answers with the refund it already made instead of paying twice.

- `gateway.py` — the `PaymentGateway` protocol, its values and its errors.
- `stripe.py` — an adapter for Stripe's published Refunds API and webhook signatures.
- `sandbox.py` — an in-memory gateway for the demo and tests that settles later and
  can be told to fail.
"""
