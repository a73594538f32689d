"""Guidance: moving a person through the content screens, in her language."""
