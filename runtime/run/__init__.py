"""What workers do: advance batches of runs, jobs and the sweeper, journey lifecycle (publish,
pause, archive), guardrails, the simulation behind previews, metrics and the worker class.
The top wing: may import every other."""
