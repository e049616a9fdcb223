"""Zoho CRM's error envelopes: `{"code", "details", "message", "status": "error"}` (zoho-crm-api.md §3, §12)."""

from django.http import JsonResponse


class ApiError(Exception):
    """A request-level failure; the view turns it into Zoho's envelope with the given HTTP status."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}

    def response(self) -> JsonResponse:
        return JsonResponse(envelope(self.code, self.message, self.details), status=self.status)


def envelope(code: str, message: str, details: dict | None = None) -> dict:
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


def invalid_token():
    return ApiError(401, "INVALID_TOKEN", "invalid oauth token")


def authentication_failure():
    return ApiError(401, "AUTHENTICATION_FAILURE", "Authentication failed")


def scope_mismatch():
    return ApiError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")


def invalid_url():
    return ApiError(404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one")


def invalid_method():
    return ApiError(405, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one")


def invalid_module(resource_path_index: int = 0):
    return ApiError(400, "INVALID_MODULE", "the module name given seems to be invalid",
                    {"resource_path_index": resource_path_index})


def too_many_requests():
    return ApiError(429, "TOO_MANY_REQUESTS", "API call limit exceeded. Please try again after some time.")


def required_param(name: str):
    return ApiError(400, "REQUIRED_PARAM_MISSING", "required param is missing", {"param_name": name})


def invalid_param(name: str, message: str = "invalid data"):
    return ApiError(400, "INVALID_DATA", message, {"param_name": name})


def invalid_body(message: str = "body", details: dict | None = None):
    return ApiError(400, "INVALID_DATA", message, details)


def internal_error():
    return ApiError(500, "INTERNAL_ERROR", "Internal server error occurred.")
