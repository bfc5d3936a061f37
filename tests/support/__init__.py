"""What the tests share: a real server process, media made in memory, tracks, paths."""
