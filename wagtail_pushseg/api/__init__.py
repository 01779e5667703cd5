"""The public JSON endpoints the site's own script calls."""
