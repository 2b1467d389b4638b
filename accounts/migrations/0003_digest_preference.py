"""The daily digest (issue 10): whether a user wants it, and a record of each one sent, unique per user
and day, so the mail goes once whatever runs the task and however often."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_drop_drf_authtoken_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='receives_daily_digest',
            field=models.BooleanField(default=True, help_text="Each morning, yesterday's figures of your departments by mail, with the report attached.", verbose_name='receive the daily digest'),
        ),
        migrations.CreateModel(
            name='DailyDigestSent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='sent')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'daily digest sent',
                'verbose_name_plural': 'daily digests sent',
                'constraints': [models.UniqueConstraint(fields=('user', 'day'), name='daily_digest_once_per_user_and_day')],
            },
        ),
    ]
