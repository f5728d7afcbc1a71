"""What an agent reads instead of a stored value: the stored values (`claimed`, `friend_discount`)
stay what the API speaks; these are their words in the console's language."""
from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy

# Every status of backend/listening/lifecycle.py, as a team member reads it.
STATUS_LABELS: dict[str, Promise] = {
    "new": pgettext_lazy("signal status", "new"),
    "claimed": pgettext_lazy("signal status", "claimed"),
    "contacted": pgettext_lazy("signal status", "contacted"),
    "won": pgettext_lazy("signal status", "won"),
    "lost": pgettext_lazy("signal status", "lost"),
    "acknowledged": pgettext_lazy("signal status", "acknowledged"),
    "in_progress": pgettext_lazy("signal status", "in progress"),
    "resolved": pgettext_lazy("signal status", "resolved"),
    "screening": pgettext_lazy("signal status", "screening"),
    "interviewing": pgettext_lazy("signal status", "interviewing"),
    "hired": pgettext_lazy("signal status", "hired"),
    "declined": pgettext_lazy("signal status", "declined"),
    "approved": pgettext_lazy("signal status", "approved"),
    "planned": pgettext_lazy("signal status", "planned"),
    "withdrawn": pgettext_lazy("signal status", "withdrawn"),
}

# The groupings of the sharing figures (`?by=`).
GROUPING_LABELS: dict[str, Promise] = {
    "story": gettext_lazy("story"), "campaign": gettext_lazy("campaign"), "channel": gettext_lazy("channel"),
    "team": gettext_lazy("team"), "week": gettext_lazy("week"),
}
