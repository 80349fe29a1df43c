from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Vote


class VoteForm(forms.Form):
    """The vote buttons. `expected` is the vote the page showed ("" for none), to catch a stale page."""

    choice = forms.ChoiceField(label=_("Your vote"), choices=Vote.Choice.choices)
    expected = forms.ChoiceField(choices=[("", "—"), *Vote.Choice.choices], required=False, widget=forms.HiddenInput)


class RecordVotesForm(forms.Form):
    """The Secretariat enters a meeting's votes on members' behalf: one choice per member (blank = as is)."""

    def __init__(self, *args, members, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=str(member),
                choices=[("", _("— no change —")), *Vote.Choice.choices],
                required=False,
                help_text=current.get(member.pk, ""),
            )

    def entries(self):
        """(member, choice) for every member whose vote was entered."""
        for member in self.members:
            choice = self.cleaned_data.get(f"member_{member.pk}")
            if choice:
                yield member, choice
