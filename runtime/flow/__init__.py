"""How customers move: the pure engine, enrolment into journeys, and event ingest (which wakes
waiting runs and starts event journeys). Knows nothing of messages. Imports `store`,
`customers` and `audience`."""
