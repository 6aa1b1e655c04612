"""The JSON API: a thin HTTP edge over the services (see :func:`create_app`)."""

from maitred.api.app import create_app

__all__ = ["create_app"]
