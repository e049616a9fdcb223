"""Where a person sees and fixes a Zoho connection. This app has no such page of its own: the app that owns the
"Zoho CRM Integration" page (syncs) registers it at start-up, in its AppConfig.ready. The grant-flow views
(views.py) and the dashboard banner (templatetags/zoho_alerts.py) link to it through `connection_page`, never by
naming another app's URL. (The re-authorization email is syncs' alert, syncs/alert_mail.py.)"""

from collections.abc import Callable

_connection_page: Callable[[object], str] | None = None


def register_connection_page(url_for: Callable[[object], str]) -> None:
    """`url_for(connection)` returns the path of that connection's page."""
    global _connection_page
    _connection_page = url_for


def connection_page(connection) -> str:
    """The path of `connection`'s page; the site root while no app registered one."""
    return _connection_page(connection) if _connection_page is not None else "/"
