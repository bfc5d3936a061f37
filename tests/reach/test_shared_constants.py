"""The shared lists (makeittalk_blender/core/constants.py) and every copy not yet switched to them agree."""

import typing

from makeittalk_blender.core import constants as C


def test_server_lists_agree():
    from makeittalk_server import engines, params, renderers
    from makeittalk_server.config import Settings

    assert tuple(engines.REGISTRY) == C.ENGINES and tuple(renderers.REGISTRY) == C.RENDERERS
    assert tuple(params.EMOTIONS) == C.EMOTIONS
    assert typing.get_args(params.Emotion.model_fields["name"].annotation) == C.EMOTIONS
    assert typing.get_args(params.RenderRequest.model_fields["renderer"].annotation) == C.RENDERERS
    fps = params.JobParams.model_fields["fps"]
    assert fps.default == C.DEFAULT_FPS
    assert params.JobParams().engine == C.DEFAULT_ENGINE and params.Emotion().intensity == C.DEFAULT_INTENSITY
    s = Settings()
    assert (s.host, s.port) == (C.DEFAULT_HOST, C.DEFAULT_PORT)


def test_addon_client_default_address():
    from makeittalk_blender.core import client

    assert client.DEFAULT_URL == C.DEFAULT_SERVER_URL


def test_fps_range():
    assert C.fps_ok(C.DEFAULT_FPS) and C.fps_ok(62.5) and C.fps_ok(C.FPS_MAX)
    assert not C.fps_ok(0) and not C.fps_ok(-1) and not C.fps_ok(C.FPS_MAX + 0.1)
