"""One shift's life: the supervisor, the agent run through claude-agent-sdk, context, questions."""
