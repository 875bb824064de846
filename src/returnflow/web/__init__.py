"""Server-rendered pages: the customer portal and the staff console (Jinja2, Babel)."""
