"""The REST API (FastAPI): thin translation between HTTP and the service layer."""
