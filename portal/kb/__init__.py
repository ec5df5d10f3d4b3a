"""Knowledge-base content handling: Markdown rendering and sanitizing, text extraction."""
