from django.db import migrations, models


def remember_current_captures(apps, schema_editor):
    """Posts imported before this field count their last capture as seen."""
    Post = apps.get_model("posts", "Post")
    for post in Post.objects.exclude(source_hash="").only("source_hash").iterator():
        post.capture_hashes = [post.source_hash]
        post.save(update_fields=["capture_hashes"])


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="capture_hashes",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text=(
                    "SHA-256 of every capture of this post imported: "
                    "one seen again changes nothing."
                ),
            ),
        ),
        migrations.RunPython(remember_current_captures, migrations.RunPython.noop),
    ]
