"""The sandbox's Zoho Accounts server: consent page, token and revoke endpoints, and the API console."""

import base64
import binascii
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import oauth, services
from .models import ApiCall, ApiClient, Org

LOCATION = "sandbox"


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_page(request, message: str, status: int = 400):
    return render(request, "sandbox/zoho/oauth_error.html", {"message": message}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def authorize(request):
    """GET shows the consent page; its Accept/Deny form posts back here."""
    params = request.GET if request.method == "GET" else request.POST
    client = ApiClient.objects.select_related("org").filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    if client is None:
        return _error_page(request, "Invalid Client: the client_id is not registered.")
    if not redirect_uri or redirect_uri not in client.redirect_uri_list:
        return _error_page(request, "Invalid Redirect Uri: it does not match the client's registered URIs.")
    if params.get("response_type") != "code":
        return _error_page(request, "Invalid response_type: only 'code' is supported.")
    scopes = oauth.normalise_scopes(params.get("scope", ""))
    if not scopes or oauth.invalid_scopes(scopes):
        return _error_page(request, "Invalid OAuth Scope: " + (", ".join(oauth.invalid_scopes(scopes)) or "none"))
    state = params.get("state")
    users = list(client.org.users.all())

    if request.method == "GET":
        return render(request, "sandbox/zoho/consent.html", {
            "client": client, "scopes": scopes, "users": users, "params": {
                key: params.get(key, "") for key in
                ("client_id", "redirect_uri", "response_type", "scope", "access_type", "prompt", "state")
            },
        })

    if request.POST.get("decision") != "accept":
        return HttpResponseRedirect(_with_query(redirect_uri, {"error": "access_denied", "state": state}))
    user = next((u for u in users if u.zoho_id == request.POST.get("user")), users[0])
    try:
        grant = oauth.issue_grant_code(
            client, user, scopes, redirect_uri=redirect_uri, offline=params.get("access_type") == "offline",
            forced_consent=params.get("prompt") == "consent",
        )
    except oauth.TokenError:
        return HttpResponseRedirect(_with_query(redirect_uri, {"error": "access_denied", "state": state}))
    return HttpResponseRedirect(_with_query(redirect_uri, {
        "state": state, "code": grant.code, "location": LOCATION, "accounts-server": oauth.accounts_server(),
    }))


def _client_credentials(request, params) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return params.get("client_id", ""), params.get("client_secret", "")


def _log(client: ApiClient | None, request, status=200):
    ApiCall.objects.create(org=client.org if client else None, method=request.method, path=request.path,
                           status=status)


@csrf_exempt
@login_not_required
@require_POST
def token(request):
    """Zoho answers every outcome of the token endpoint with HTTP 200; errors carry an `error` key."""
    # Parameters may come in the query string or the form body (zoho-crm-api.md §2.2).
    params = {**request.GET.dict(), **request.POST.dict()}
    client = None
    try:
        client = oauth.authenticate_client(*_client_credentials(request, params))
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            body = oauth.exchange_code(client, params.get("code", ""), params.get("redirect_uri", ""))
        elif grant_type == "refresh_token":
            body = oauth.refresh_access_token(client, params.get("refresh_token", ""))
        else:
            body = {"error": "unsupported_grant_type" if grant_type else "invalid_request"}
    except oauth.TokenError as error:
        body = error.body
    _log(client, request)
    return JsonResponse(body)


@csrf_exempt
@login_not_required
@require_POST
def revoke(request):
    token_value = request.POST.get("token") or request.GET.get("token")
    if not token_value:
        return JsonResponse({"error": "invalid_request"})
    oauth.revoke(token_value)
    # Like RFC 7009, an unknown token is not an error.
    return JsonResponse({"status": "success"})


@login_not_required
@require_http_methods(["GET", "POST"])
def console(request):
    """Zoho's API console: register server-based clients and make self-client grant codes."""
    context = {"errors": [], "new_client": None, "new_code": None}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create-client":
                org = services.get_org(request.POST.get("org"))
                context["new_client"] = services.create_client(
                    org, request.POST.get("name", ""), request.POST.get("redirect_uris", "").splitlines(),
                    homepage_url=request.POST.get("homepage_url", ""),
                )
            elif request.POST.get("action") == "self-client-code":
                client = services.get_client(request.POST.get("client_id", ""))
                minutes = int(request.POST.get("minutes") or 3)
                context["new_code"] = oauth.issue_self_client_code(
                    client, oauth.normalise_scopes(request.POST.get("scope", "")), minutes
                )
        except (services.SandboxError, ValueError) as error:
            context["errors"].append(str(error))
    context["orgs"] = Org.objects.prefetch_related("clients")
    context["minutes"] = list(oauth.SELF_CLIENT_CODE_MINUTES)
    status = 400 if context["errors"] else 200
    return render(request, "sandbox/zoho/console.html", context, status=status)
