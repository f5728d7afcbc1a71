"""Open signals from before the SLA migration (0005) have no claim deadline, so no step would ever
fire for them: give them the deadlines their policy gives, counted from their creation (issue 20).

Only `working_deadline` is imported from listening/sla.py: it is pure (no models; settings and the
`holidays` package only) and its contract, "this much working time after that moment", is stable.
The policy lookup is repeated here on the historical models, with 0005's defaults as literals, so
a later change to sla.py's models or policy rules cannot change what this migration does.
"""
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import Q

from backend.listening.sla import working_deadline

DAY = timedelta(days=1)
# (kind, urgent) -> (claim within, resolve within, working time), as 0005 seeded them.
DEFAULTS = {
    ("complaint", True): (timedelta(hours=1), timedelta(hours=4), False),
    ("complaint", False): (DAY, 2 * DAY, True),
    ("lead", False): (DAY, 10 * DAY, True),
    ("referral", False): (2 * DAY, 20 * DAY, True),
    ("friend_discount", False): (2 * DAY, 5 * DAY, True),
    ("feedback", False): (5 * DAY, None, True),
}
FIELDS = ("claim_due_at", "claim_escalate_at", "due_at", "resolve_escalate_at")


def _policy(SlaPolicy, kind, urgent, team_id):
    """The team's own row, else the default row, else the literal default; an urgent complaint
    without an urgent row falls back to the complaint's (as sla.policy_times did at 0005)."""
    urgencies = [True, False] if urgent and kind == "complaint" else [False]
    rows = list(SlaPolicy.objects.filter(kind=kind, urgent__in=urgencies).filter(
        Q(team__isnull=True) | Q(team_id=team_id)))
    for flag in urgencies:
        for wanted_team in (team_id, None):
            for row in rows:
                if row.urgent == flag and row.team_id == wanted_team:
                    return row.claim_within, row.resolve_within, row.working_time
        if (kind, flag) in DEFAULTS:
            return DEFAULTS[(kind, flag)]
    return None, None, True


def backfill_deadlines(apps, schema_editor):
    Signal = apps.get_model("listening", "Signal")
    SlaPolicy = apps.get_model("listening", "SlaPolicy")
    signals = (Signal.objects.filter(closed_at__isnull=True, team__isnull=False, claim_due_at__isnull=True)
               .select_related("team").order_by("pk"))
    for signal in signals.iterator(chunk_size=500):
        claim, resolve, working = _policy(SlaPolicy, signal.kind, signal.urgent, signal.team_id)
        country = (signal.team.country or settings.RELAY_SLA_DEFAULT_COUNTRY).upper()

        def after(duration, start=signal.created_at, working=working, country=country):
            if duration is None:
                return None
            return working_deadline(start, duration, country) if working else start + duration

        computed = {
            "claim_due_at": after(claim), "claim_escalate_at": after(claim * 2 if claim else None),
            "due_at": after(resolve), "resolve_escalate_at": after(resolve * 2 if resolve else None),
        }
        # A pre-SLA complaint kept its old due time: only the missing moments are filled in.
        changed = [name for name in FIELDS if getattr(signal, name) is None and computed[name] is not None]
        for name in changed:
            setattr(signal, name, computed[name])
        if changed:
            signal.save(update_fields=changed)


class Migration(migrations.Migration):

    dependencies = [
        ('listening', '0006_signalevent_type_returned'),
        ('people', '0002_casefold_user_emails'),
    ]

    operations = [
        migrations.RunPython(backfill_deadlines, migrations.RunPython.noop, elidable=True),
    ]
