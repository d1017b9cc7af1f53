"""The Prefect shell: flows, tasks, artifacts, events, serve and deploy; the library is :mod:`ingest`."""
