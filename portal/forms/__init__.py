"""Admin-built ticket forms: definitions (forms_schema/), their compiled JSON Schema, the
description the portal renders, and server-side parsing of submissions."""
