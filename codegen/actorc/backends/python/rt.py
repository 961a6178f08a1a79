"""Runtime support shared by every module actorc's Python backend generates.

Generated modules import it as `from actorc.backends.python import rt as _rt`
(and the wire runtime as `from actorc.wire import capnp_wire as _cw`); both
are standard library only. It holds the transport seam (`Transport`,
`ActorError`, `call` with timeout mapping) and the few wire helpers that
`actorc.wire.capnp_wire` lacks for nested lists (lists of lists of structs,
text or data, lists of maps), so generated code stays straight-line.
"""

import asyncio
import enum
from typing import Any, AsyncIterator, Optional, Protocol, Type, TypeVar, Union, runtime_checkable

__all__ = ["ActorError", "Transport", "call", "cast", "stream", "enum_value",
           "pl_init_struct_list", "pl_init_pointer_list"]

E = TypeVar("E", bound=enum.IntEnum)


class ActorError(Exception):
    """A failed call/cast/stream: `code` is an absl status name
    ("DEADLINE_EXCEEDED", "NOT_FOUND", "UNIMPLEMENTED", ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorError) and (self.code, self.message) == (other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.code, self.message))


@runtime_checkable
class Transport(Protocol):
    """How generated clients hand encoded messages to the runtime.

    A method is addressed by (actor_id: the actor's 64-bit type id,
    method: its ordinal); `target` is opaque (a pid/ref of the binding).
    `call` sends the encoded `<Method>Params` and returns the encoded
    `<Method>Results` (or raises ActorError; a timeout may be raised as
    TimeoutError, which clients turn into ActorError("DEADLINE_EXCEEDED")).
    `cast` sends and returns at once. `stream` yields encoded `<Method>Item`
    messages until the end (an error end raises ActorError)."""

    async def call(self, target: Any, actor_id: int, method: int, payload: bytes,
                   timeout: Optional[float]) -> bytes: ...

    def cast(self, target: Any, actor_id: int, method: int, payload: bytes) -> None: ...

    def stream(self, target: Any, actor_id: int, method: int, payload: bytes) -> AsyncIterator[bytes]: ...


def _deadline(actor_id: int, method: int, timeout: Optional[float]) -> ActorError:
    return ActorError("DEADLINE_EXCEEDED", "call to actor 0x%016x method %d timed out after %ss"
                      % (actor_id, method, timeout))


async def call(transport: Transport, target: Any, actor_id: int, method: int, payload: bytes,
               timeout: Optional[float]) -> bytes:
    """transport.call, with a transport's TimeoutError as ActorError("DEADLINE_EXCEEDED")."""
    try:
        return await transport.call(target, actor_id, method, payload, timeout)
    except (TimeoutError, asyncio.TimeoutError):
        raise _deadline(actor_id, method, timeout) from None


def cast(transport: Transport, target: Any, actor_id: int, method: int, payload: bytes) -> None:
    transport.cast(target, actor_id, method, payload)


async def stream(transport: Transport, target: Any, actor_id: int, method: int,
                 payload: bytes) -> AsyncIterator[bytes]:
    """transport.stream, with a TimeoutError as ActorError("DEADLINE_EXCEEDED")."""
    try:
        async for item in transport.stream(target, actor_id, method, payload):
            yield item
    except (TimeoutError, asyncio.TimeoutError):
        raise _deadline(actor_id, method, None) from None


def enum_value(cls: Type[E], value: int) -> Union[E, int]:
    """The enumerant of `value`, or the plain int when this schema version
    does not know it (a newer writer added values)."""
    try:
        return cls(value)
    except ValueError:
        return value


# Element `i` of a pointer list (a list of lists) initialised as a list of
# structs / of pointers: capnp_wire's PointerListBuilder offers only
# set_text/set_data/init_struct/set_list. Uses its builder internals, so it
# allocates exactly as capnp does (at the end of the segment, in call order).
def pl_init_struct_list(plist, i: int, count: int, data_words: int, ptr_count: int):
    return plist._msg._init_struct_list_at(plist._at(i), count, data_words, ptr_count)


def pl_init_pointer_list(plist, i: int, count: int):
    return plist._msg._init_pointer_list_at(plist._at(i), count)
