"""Cap'n Proto wire layer for actorc-generated code: struct layout
(`layout`), a small encoder/decoder runtime (`capnp_wire`) and `pid.Pid`,
the value of the IDL type `pid`."""
