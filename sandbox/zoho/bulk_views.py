"""The Bulk Write endpoints: the upload host's `crm/v8/upload`, `crm/bulk/v8/write[/{job_id}]` on the API domain
and the result download. Each goes through the same authentication, limits and call log as the CRM API."""

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.csrf import csrf_exempt

from . import api_errors, bulk_write
from .crm_views import serve


def _only(request, method: str, handler, record_id: str | None = None):
    def resolve():
        if request.method != method:
            raise api_errors.ApiError(400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one")
        return handler, None, record_id

    return resolve


@csrf_exempt
@login_not_required
def upload(request):
    return serve(request, _only(request, "POST", bulk_write.upload), json_body=False)


@csrf_exempt
@login_not_required
def jobs(request):
    return serve(request, _only(request, "POST", bulk_write.create_job))


@csrf_exempt
@login_not_required
def job(request, job_id: str):
    return serve(request, _only(request, "GET", bulk_write.job_details, job_id))


@csrf_exempt
@login_not_required
def download(request, zgid: str, job_id: str, name: str):
    return serve(request, _only(request, "GET", bulk_write.download, job_id))
