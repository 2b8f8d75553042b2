"""Create the fourth role group: teacher (course leaders assigned to courses)."""

from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="teacher")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_single_line_texts")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
