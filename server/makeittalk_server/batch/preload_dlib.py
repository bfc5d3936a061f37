"""Fork-server preload for batches with a portrait not in the landmark cache: dlib's 68-point model."""

try:
    from makeittalk_server.landmarks import dlib_detector

    dlib_detector.warm()
except Exception:      # a missing model shows up, with its reason, in the lines that need it
    pass
