"""The command core: platform-neutral commands returning pydantic answers, shared by every front end."""
