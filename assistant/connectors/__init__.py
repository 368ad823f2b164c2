"""Connectors to the help desks teams already run: messages in, drafts as notes, approved replies out."""
