"""A demo marketplace, written through the services so it obeys every rule a real one does."""
