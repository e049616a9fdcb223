"""Pending OAuth `state` values, kept server-side in the user's session (after allauth's statekit).

Several flows may be pending at once (two tabs); each state is a 256-bit CSPRNG value, single use,
and expires after STATE_TTL. The state is not a secret (it travels in URLs) but it must be unguessable.
"""

import hmac
import secrets
import time

SESSION_KEY = "zoho_oauth_states"
STATE_TTL = 600  # seconds
MAX_PENDING = 10


def _live(states: dict, now: float) -> dict:
    fresh = {s: entry for s, entry in states.items() if now - entry.get("at", 0) < STATE_TTL}
    newest = sorted(fresh.items(), key=lambda item: item[1]["at"], reverse=True)[:MAX_PENDING]
    return dict(newest)


def stash(session, connection_id: int) -> str:
    """A new state for an authorization of `connection_id`."""
    now = time.time()
    states = _live(session.get(SESSION_KEY, {}), now)
    state = secrets.token_urlsafe(32)
    states[state] = {"connection": connection_id, "at": now}
    session[SESSION_KEY] = _live(states, now)
    return state


def pop(session, state: str) -> dict | None:
    """The pending entry for `state`, removed so it cannot be used twice; None if unknown or expired."""
    states = session.get(SESSION_KEY, {})
    match = next((s for s in states if state and hmac.compare_digest(s.encode(), state.encode())), None)
    if match is None:
        return None
    entry = states.pop(match)
    session[SESSION_KEY] = _live(states, time.time())
    if time.time() - entry.get("at", 0) >= STATE_TTL:
        return None
    return entry
