"""Words that may not be used as names in .actor files.

Generated code uses schema names verbatim in C++, Python and JavaScript, so a
name that is a keyword (or a name the generated code itself relies on, such
as the runtime's `Pid`) in any of them is rejected up front instead of
producing code that does not compile.
The list is documented in docs/idl.md ("Reserved words").
"""

CPP = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char
char8_t char16_t char32_t class compl concept const consteval constexpr
constinit const_cast continue co_await co_return co_yield decltype default
delete do double dynamic_cast else enum explicit export extern false float for
friend goto if inline int long mutable namespace new noexcept not not_eq
nullptr operator or or_eq private protected public register reinterpret_cast
requires return short signed sizeof static static_assert static_cast struct
switch template this thread_local throw true try typedef typeid typename union
unsigned using virtual void volatile wchar_t while xor xor_eq
""".split())

PYTHON = frozenset("""
False None True and as assert async await break class continue def del elif
else except finally for from global if import in is lambda nonlocal not or
pass raise return try while with yield self
""".split())

JAVASCRIPT = frozenset("""
arguments await break case catch class const constructor continue debugger
default delete do else enum eval export extends false finally for function if
implements import in instanceof interface let new null package private
protected prototype public return static super switch this throw true try
typeof undefined var void while with yield NaN Infinity
""".split())

# Names of runtime types that generated Python and TypeScript code imports
# unqualified, and what they are (C++ spells them qualified: `::myr::Pid`).
# They may not name a declaration (a type name is UpperCamelCase, so no
# other name can be one of them).
RUNTIME = {
    "Pid": "the builtin type 'pid'",
}

ALL = CPP | PYTHON | JAVASCRIPT


def languages(word: str):
    """The languages in which `word` is reserved, in a fixed order."""
    out = []
    if word in CPP:
        out.append("C++")
    if word in PYTHON:
        out.append("Python")
    if word in JAVASCRIPT:
        out.append("JavaScript")
    return out
