"""Text inputs with a live character counter (the ``pushseg-count`` Stimulus controller in
static/wagtail_pushseg/admin/counters.js): a field's ``maxlength`` stops typing without a word,
so the editor sees how much is used and when the limit is reached."""

from django import forms


JS = "wagtail_pushseg/admin/counters.js"
CSS = "wagtail_pushseg/admin/campaigns.css"


def _counted(attrs: dict | None) -> dict:
    return {"data-controller": "pushseg-count",
            "data-action": "input->pushseg-count#update", **(attrs or {})}


class CountedTextInput(forms.TextInput):
    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(_counted(attrs))

    class Media:
        js = [JS]
        css = {"all": [CSS]}


class CountedTextarea(forms.Textarea):
    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(_counted({"rows": 3, **(attrs or {})}))

    class Media:
        js = [JS]
        css = {"all": [CSS]}
