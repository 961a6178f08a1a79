"""actorc: the Myrmidon schema compiler (.actor IDL -> typed code).

Front end: lexer -> parser (syntax tree) -> model (checked IR).
See docs/idl.md for the language reference.
"""
