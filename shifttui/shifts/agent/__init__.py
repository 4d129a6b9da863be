"""Everything that talks to Claude Code through claude-agent-sdk (no Textual)."""
