"""Placeholder until the full engine lands: reports not ready."""


class MakeItTalkEngine:
    name = "makeittalk"

    def __init__(self, settings, checkpoints=None):
        self.settings, self.checkpoints = settings, checkpoints

    def status(self):
        return False, "the makeittalk engine is still being built"

    def warm(self):
        pass

    def run(self, inp, progress):
        from ...errors import EngineNotReady
        raise EngineNotReady("engine_not_ready", "the makeittalk engine is still being built")
