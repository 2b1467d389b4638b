import django.db.models.deletion
from django.db import migrations, models

# Categories become a ministry's, or shared (no ministry). Existing ones stay shared: which
# ministry a category was meant for is an administrator's call, not the migration's.


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0006_state_code"),
        ("tickets", "0019_intake_search_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="ministry",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: shared by every ministry",
                limit_choices_to={"parent__isnull": True},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="categories",
                to="departments.department",
                verbose_name="ministry",
            ),
        ),
    ]
