"""The Starlette app: pages and the JSON API. Calls ``search`` only."""
