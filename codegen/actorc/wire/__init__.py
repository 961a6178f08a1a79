"""Cap'n Proto wire layer for actorc-generated code: struct layout
(`layout`) and a small encoder/decoder runtime (`capnp_wire`)."""
