from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ImportersConfig(AppConfig):
    name = "importers"

    def ready(self) -> None:
        post_migrate.connect(_restore_bulk_indexes, sender=self)


def _restore_bulk_indexes(*, using: str, apps=None, **kwargs) -> None:
    """A first load stopped halfway left page indexes out: `migrate` puts the
    schema whole again (importers/bulk.py), once it has brought the tables to
    the models as they are now (not when migrating back to an earlier state)."""
    from importers import bulk

    # `flush` sends the signal too, with no migration state: it drops no index.
    if using == "default" and apps is not None and bulk.matches_models(apps):
        bulk.restore()
