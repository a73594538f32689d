"""Handoff to human advocates: a forum topic per case, a two-way relay with consent, nothing lost."""
