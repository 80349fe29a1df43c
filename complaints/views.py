"""The factory's and the provider's pages of a case — being built (issue 9 §1, §3); placeholders so that
the URLconf loads."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


case_list = lodge = detail = answer = message = paper = _todo
