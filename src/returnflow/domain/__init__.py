"""The business rules of returns, in plain Python.

Nothing in this package imports a web framework or a database driver: the rules
can be read, tested and reasoned about on their own.
"""
