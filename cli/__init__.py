"""The ``newsfacts`` command line (:mod:`cli.main`); Prefect starts only for the commands that run a flow."""
