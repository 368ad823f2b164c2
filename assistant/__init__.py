"""The assistant: customers, inbox, triage, drafters, the pipeline, review, posting and the CLI."""
