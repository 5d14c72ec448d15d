from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking imports and new posts on a large table.
    atomic = False

    dependencies = [
        ("posts", "0007_export_fields_and_mentions"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="post",
            index=models.Index(fields=["published", "id"], name="post_timeline"),
        ),
    ]
