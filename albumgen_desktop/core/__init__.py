"""Pure data types and functions: Features, prompts, recipes, errors. No torch, no Qt."""
