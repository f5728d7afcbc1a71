from django.db import migrations

# The default lifecycle map of inbound event types; admins edit it afterwards.
DEFAULTS = [
    ("lead.qualified", "lead", "contacted"),
    ("lead.won", "lead", "won"),
    ("lead.lost", "lead", "lost"),
    ("referral.interviewing", "referral", "interviewing"),
    ("referral.hired", "referral", "hired"),
    ("referral.rejected", "referral", "declined"),
    ("complaint.resolved", "complaint", "resolved"),
    ("friend_discount.approved", "friend_discount", "approved"),
    ("friend_discount.declined", "friend_discount", "declined"),
]


def add_defaults(apps, schema_editor):
    StatusMapping = apps.get_model("integrations", "StatusMapping")
    for type_, kind, status in DEFAULTS:
        StatusMapping.objects.get_or_create(type=type_, defaults={"kind": kind, "to_status": status})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
