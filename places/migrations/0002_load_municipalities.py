"""Load the district's municipalities shipped in places/data/municipalities.csv."""

from django.db import migrations

from places.data_loading import load_municipalities


def load(apps, schema_editor):
    load_municipalities(apps.get_model("places", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
