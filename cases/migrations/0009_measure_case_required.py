import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Its own migration: on PostgreSQL a table cannot be altered in the transaction that just
    # updated its rows (pending deferred foreign-key checks).
    dependencies = [("cases", "0008_measure_case_backfill")]

    operations = [
        migrations.AlterField(
            model_name="platformmeasure",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="measures",
                to="cases.case",
            ),
        ),
    ]
