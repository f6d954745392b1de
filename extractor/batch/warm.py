"""Imported by the local engine's fork server: loads the stages, dictionaries and models once
(by running the pipeline on a tiny text), so every worker forked from the server starts warm
and shares those memory pages. Importing this module has that side effect on purpose; nothing
else imports it."""
from .worker import warm_up

warm_up()
