# The one place of the app version; APP_VERSION in the environment (e.g. a git SHA set by the
# deploy) overrides it in settings.
__version__ = "1.0.0"
