"""Prefect flows, the fetch layer and the command line; the only package that knows Prefect."""
