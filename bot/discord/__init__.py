"""The Discord front end: slash commands over the command core, and the Discord delivery sink."""
