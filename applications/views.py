"""The applicant's pages — being built (issue 8 §2); placeholders so that the URLconf loads."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


dashboard = start = tasks = organisation = categories = staff = staff_edit = staff_remove = _todo
projects = project_edit = project_remove = code_of_conduct = privacy = declaration = check_answers = _todo
answer = withdraw = paper = _todo
