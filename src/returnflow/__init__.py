"""ReturnFlow: the returns and exchanges platform of an e-commerce marketplace."""

__version__ = "0.1.0"
