# Bulk Write jobs keep their rows in a table of their own (BulkJobRow), written and read a chunk at a time,
# instead of one JSON list: jobs in flight at the upgrade keep their rows, copied here.

import django.db.models.deletion
from django.db import migrations, models

COPY_CHUNK = 1000


def copy_rows(apps, schema_editor):
    BulkJob = apps.get_model("syncs", "BulkJob")
    BulkJobRow = apps.get_model("syncs", "BulkJobRow")
    for pk in BulkJob.objects.values_list("pk", flat=True):
        rows = BulkJob.objects.filter(pk=pk).values_list("rows", flat=True).get() or []
        for start in range(0, len(rows), COPY_CHUNK):
            BulkJobRow.objects.bulk_create(
                BulkJobRow(job_id=pk, index=start + offset, key=key, hash=digest, payload=payload)
                for offset, (key, digest, payload) in enumerate(rows[start:start + COPY_CHUNK]))
        BulkJob.objects.filter(pk=pk).update(row_count=len(rows))


class Migration(migrations.Migration):

    dependencies = [
        ('syncs', '0008_bulk_jobs'),
    ]

    operations = [
        migrations.AddField(
            model_name='bulkjob',
            name='collected',
            field=models.PositiveIntegerField(default=0, help_text="Rows of Zoho's result already recorded: a collection that stopped midway goes on from here."),
        ),
        migrations.AddField(
            model_name='bulkjob',
            name='row_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='bulkjob',
            name='job_id',
            field=models.CharField(blank=True, help_text="Zoho's job id; empty while building.", max_length=40),
        ),
        migrations.AlterField(
            model_name='bulkjob',
            name='state',
            field=models.CharField(choices=[('BUILDING', 'Building'), ('ADDED', 'Added'), ('IN PROGRESS', 'In progress'), ('FAILED', 'Failed')], default='BUILDING', max_length=20),
        ),
        migrations.CreateModel(
            name='BulkJobRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveIntegerField()),
                ('key', models.CharField(max_length=254)),
                ('hash', models.CharField(max_length=64)),
                ('payload', models.JSONField()),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='syncs.bulkjob')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('job', 'index'), name='syncs_bulkjobrow_index')],
            },
        ),
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='bulkjob',
            name='rows',
        ),
        migrations.AlterField(  # the name `rows` is free now
            model_name='bulkjobrow',
            name='job',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='syncs.bulkjob'),
        ),
    ]
