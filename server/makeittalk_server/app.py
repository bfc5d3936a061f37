"""The HTTP application: settings, error shape, middleware and the v1 router (api/routes.py).

The work behind the routes is in serving.py; job preparation (shared with the command line) in prepare.py.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__, security
from .api.handlers import error_response, install_error_handlers  # noqa: F401
from .api.routes import router
from .config import Settings
from .serving import Serving


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    serving = Serving(settings)

    @asynccontextmanager
    async def lifespan(app):
        serving.start()
        app.state.jobs = serving.jobs
        yield
        serving.stop()

    app = FastAPI(title="MakeItTalk for Blender server", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.serving = serving
    install_error_handlers(app)
    app.include_router(router)
    security.install(app, settings)   # hosts, browser origins, token, body limit, upload slots (security.py)
    return app
