"""Background work: delivering the outbox and the clock-driven lifecycle moves."""
