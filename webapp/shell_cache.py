"""The page shell's fixed pieces, rendered once per process per language and key.

`{% shell role, request.endpoint %}…{% endshell %}` in a template keeps what its body renders
and gives it back the next time the same place (template and line) is reached with the same
language, script root and listed values: the same idea as the fragment cache in Jinja's own
extension documentation. base.html wraps in it the parts of every page that depend only on those
(the head's links, the top bar's tabs, the footer), which were most of a page's shell: dozens of
`url_for`s and translations and the icon macros on every signed-in page.

What a piece shows must follow from its key alone: never wrap anything per person (a name, a
form token, a flash message) or per request beyond the listed values; those stay outside,
between pieces. A listed value may be a person's (the cart link is kept per number of items: it
shows that number and nothing else). tests/test_shell_cache.py renders pages for several
people in turn.
Nothing is kept while templates are reloaded on change (debug), so an edit shows at once.
"""
from __future__ import annotations

from flask import request
from flask_babel import get_locale
from jinja2 import nodes
from jinja2.ext import Extension

# Pieces are few (a handful per template, times languages, roles and pages); past this many
# something keys on a value it should not, and starting over keeps memory bounded.
MAX_PIECES = 4096


class ShellCache(Extension):
    """The `{% shell [value, …] %}…{% endshell %}` tag (see the module's docstring)."""

    tags = {"shell"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(shell_pieces={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        values = [nodes.Const(parser.name), nodes.Const(lineno)]
        while parser.stream.current.type != "block_end":
            if len(values) > 2:
                parser.stream.expect("comma")
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endshell",), drop_needle=True)
        key = nodes.Tuple(values, "load")
        return nodes.CallBlock(self.call_method("_piece", [key]), [], [], body).set_lineno(lineno)

    def _piece(self, key: tuple, caller):
        pieces = self.environment.shell_pieces
        if self.environment.auto_reload:
            return caller()
        key = (*key, str(get_locale()), request.script_root)
        piece = pieces.get(key)
        if piece is None:
            if len(pieces) >= MAX_PIECES:
                pieces.clear()
            piece = pieces[key] = caller()
        return piece
