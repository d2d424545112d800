"""Where the shared GeoIP test databases are: `../shared/geoip` beside the repository (the
developers' checkout and CI's clean clone both have it; see ../shared/geoip/README.md)."""

from pathlib import Path

from django.conf import settings

GEOIP = str(Path(settings.BASE_DIR).parent / "shared" / "geoip")
