from django.db import migrations, models


class Migration(migrations.Migration):
    """A delivery is a trigger (issue 14): no worker claims it and no attempt counter runs out; it records when
    its change was announced to the sync."""

    dependencies = [
        ('stores', '0002_alter_store_options_webhookevent'),
    ]

    operations = [
        migrations.RenameField(model_name='webhookevent', old_name='claimed_at', new_name='triggered_at'),
        migrations.AlterField(
            model_name='webhookevent',
            name='triggered_at',
            field=models.DateTimeField(blank=True, help_text="When the store's change was announced to the sync (store_changed).", null=True),
        ),
        migrations.RemoveField(model_name='webhookevent', name='attempts'),
    ]
