"""Deleting a campaign: only drafts and cancelled or failed ones (``DELETABLE``)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic

from ...models import Campaign
from .steps import DELETABLE, URL


class CampaignDeleteView(generic.DeleteView):
    """Only drafts and cancelled or failed campaigns can be deleted (``DELETABLE``)."""

    def get(self, request, *args, **kwargs):
        return self.refuse() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse() or super().post(request, *args, **kwargs)

    def refuse(self):
        if self.object.status in DELETABLE:
            return None
        messages.warning(self.request, _("Only drafts and cancelled campaigns can be deleted."))
        return redirect(URL % "inspect", self.object.pk)

    def delete_action(self):
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().filter(pk=self.object.pk,
                                                                 status__in=DELETABLE)
            if not locked.exists():
                return
            super().delete_action()
