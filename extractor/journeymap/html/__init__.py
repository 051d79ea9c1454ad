"""The journey map as one self-contained HTML page: `layout` puts the sections together, `charts` draws the SVG,
`stylesheet` holds the CSS and the sentiment colours."""

from .layout import render_html

__all__ = ["render_html"]
