"""What the HTTP API (`api/`) and the pages (`web/`) share: the entrypoint kit.

One context dependency and sign-in (`deps`), one error mapping (`problems`), one
form-text and query-parameter vocabulary (`params`), one "perform a step" helper
(`steps`), the reader's language, the caller's address, and the middleware that guards
every request (body limits, NUL characters, security headers). `api/` and `web/` both
import this package and never each other.
"""
