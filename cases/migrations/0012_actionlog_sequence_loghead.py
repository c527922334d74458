from django.db import migrations, models


class Migration(migrations.Migration):
    # The sequence starts nullable: 0013 numbers the existing entries, 0014 makes it required.
    dependencies = [("cases", "0011_lifecycle_permissions")]

    operations = [
        migrations.AddField(
            model_name="actionlog",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AlterModelOptions(name="actionlog", options={"ordering": ["sequence"]}),
        migrations.CreateModel(
            name="LogHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("entry_hash", models.CharField(default="0" * 64, max_length=64)),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1), name="loghead_single_row")
                ]
            },
        ),
    ]
