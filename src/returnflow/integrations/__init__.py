"""Calls out to the systems around ReturnFlow (the order system's webhooks)."""
