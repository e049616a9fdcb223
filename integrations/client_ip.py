"""The client's IP address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind the TLS proxy (`BEHIND_HTTPS_PROXY`) every request comes from the proxy, so the address is the last one in
X-Forwarded-For: the one the proxy itself appended (earlier entries are whatever the client sent). Without a
proxy it is REMOTE_ADDR.
"""

from django.conf import settings


def client_ip(request) -> str:
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")
