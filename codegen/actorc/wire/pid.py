"""`Pid`: an actor process identifier, the Python value of the IDL type `pid`.

The same 64 bits as C++ `myr::Pid` (libs/pid/pid.h), which says what they
mean:

    63            48 47                27 26                           0
    +---------------+--------------------+------------------------------+
    |  node (16)    |  generation (21)   |          slot (27)           |
    +---------------+--------------------+------------------------------+

On the wire a pid is its bits as a Cap'n Proto UInt64. `Pid(0)` is the
invalid pid (a valid one has a non-zero generation). A Pid is an immutable
value: hashable, ordered by its bits, equal when the bits are equal.
"""

import functools
import operator
import re

SLOT_BITS = 27
GENERATION_BITS = 21
NODE_BITS = 16
MAX_SLOTS = 1 << SLOT_BITS
MAX_GENERATION = (1 << GENERATION_BITS) - 1
MAX_NODE = (1 << NODE_BITS) - 1

_TEXT = re.compile(r"<([0-9]+)\.([0-9]+)\.([0-9]+)>\Z")


@functools.total_ordering
class Pid:
    """An actor process identifier: `Pid(bits)` or `Pid.make(node, slot, generation)`."""

    __slots__ = ("_bits",)

    def __init__(self, bits: int = 0) -> None:
        bits = operator.index(bits)
        if not 0 <= bits < 1 << 64:
            raise ValueError("a pid is 64 bits: %d is out of range" % bits)
        object.__setattr__(self, "_bits", bits)

    @classmethod
    def make(cls, node: int, slot: int, generation: int) -> "Pid":
        """The pid of `slot` on `node` in `generation`; out-of-range parts are
        masked off (as C++ Pid::Make)."""
        return cls(((node & MAX_NODE) << (SLOT_BITS + GENERATION_BITS))
                   | ((generation & MAX_GENERATION) << SLOT_BITS)
                   | (slot & (MAX_SLOTS - 1)))

    @classmethod
    def parse(cls, text: str) -> "Pid":
        """The pid `str()` printed ("<node.slot.generation>"); ValueError if
        `text` is not one (as C++ Pid::Parse, which returns nullopt)."""
        m = _TEXT.match(text)
        if m is None:
            raise ValueError("not a pid: %r (expected '<node.slot.generation>')" % text)
        node, slot, generation = (int(g) for g in m.groups())
        if node > MAX_NODE or slot >= MAX_SLOTS or not 1 <= generation <= MAX_GENERATION:
            raise ValueError("not a pid: %r (a part is out of range)" % text)
        return cls.make(node, slot, generation)

    @property
    def bits(self) -> int:
        """The 64 bits (what goes on the wire)."""
        return self._bits

    @property
    def node(self) -> int:
        return self._bits >> (SLOT_BITS + GENERATION_BITS)

    @property
    def slot(self) -> int:
        return self._bits & (MAX_SLOTS - 1)

    @property
    def generation(self) -> int:
        return (self._bits >> SLOT_BITS) & MAX_GENERATION

    @property
    def valid(self) -> bool:
        return self.generation != 0

    def __bool__(self) -> bool:
        return self.valid

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pid):
            return self._bits == other._bits
        return NotImplemented

    def __lt__(self, other: "Pid") -> bool:
        if isinstance(other, Pid):
            return self._bits < other._bits
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Pid, self._bits))

    def __str__(self) -> str:
        """"<node.slot.generation>" as Erlang prints pids (C++ Pid::ToString);
        "<invalid>" for an invalid pid."""
        if not self.valid:
            return "<invalid>"
        return "<%d.%d.%d>" % (self.node, self.slot, self.generation)

    def __repr__(self) -> str:
        return "Pid(0x%016x)" % self._bits

    def __setattr__(self, name, value):
        raise AttributeError("Pid is immutable")

    def __delattr__(self, name):
        raise AttributeError("Pid is immutable")

    def __reduce__(self):
        return (Pid, (self._bits,))
