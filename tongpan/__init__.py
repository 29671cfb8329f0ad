"""tongpan (同盘): the application shell — settings, CLI and HTTP app."""
