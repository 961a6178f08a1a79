"""actorc: the Myrmidon schema compiler (.actor IDL -> typed code).

Front end: lexer -> parser (syntax tree) -> loader (files and imports) ->
checker (semantic checks) -> ir (the checked model); `model.load` runs them
all. See docs/idl.md for the language reference.
"""
