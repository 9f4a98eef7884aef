"""Application services: what a marketer or an integration can do, each a function taking the
`Wayline` context. REST controllers and the canvas call these, and nothing else."""
