"""A local browser preview of the content for editors."""
