from django.db import migrations


def measures_belong_to_their_case(apps, schema_editor):
    PlatformMeasure = apps.get_model("cases", "PlatformMeasure")
    for measure in PlatformMeasure.objects.filter(case__isnull=True).select_related("decision"):
        PlatformMeasure.objects.filter(pk=measure.pk).update(case_id=measure.decision.case_id)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_lifecycle")]

    operations = [migrations.RunPython(measures_belong_to_their_case, migrations.RunPython.noop)]
