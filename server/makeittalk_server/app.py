"""The HTTP application: settings, error shape, middleware and the v1 router (api/routes.py).

The work behind the routes is in serving.py; job preparation (shared with the command line) in prepare.py.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__
from .api.handlers import error_response, install_error_handlers, install_token_check  # noqa: F401
from .api.routes import router
from .api.uploads import MB, BodyLimit
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
    install_token_check(app, settings.token)
    app.include_router(router)
    limit = int((settings.max_audio_mb + settings.max_image_mb) * MB) + MB
    app.add_middleware(BodyLimit, limit=limit)
    return app
