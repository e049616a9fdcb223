from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


store_list = store_add = store_detail = store_edit = store_test = store_webhook_secret = _todo
