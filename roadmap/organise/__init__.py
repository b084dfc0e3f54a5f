"""Organisers: accounts, events, groups, the live dashboard, projector and participants."""
