"""Fork-server preload for batches with a transcript on some line: the default engine's transcript
aligner, loaded once here like its other decoders (preload.py leaves it out otherwise)."""

try:
    from makeittalk_server import engines
    from makeittalk_server.batch import preload

    if preload.SETTINGS is not None:
        _pool = engines.get("default", preload.SETTINGS).pool
        _pool.transcripts_expected = True
        _pool.load_local()
except Exception:      # the workers then load it at their first transcript
    pass
