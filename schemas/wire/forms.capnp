# The wire forms of the runtime's own values: what a pid, an exit reason and
# a status look like when they cross to another node or language. Embedded
# in the mesh envelopes and written standalone by libs/wire/forms.h.
# Evolution: fields are only ever added (with the next ordinal); enum values
# are never renumbered (ExitKind mirrors myr::ExitKind in libs/pid, whose
# numeric values are these).
@0xa52f948c8cdc6242;

$import "/capnp/c++.capnp".namespace("myr::wire::forms");

# A process identifier: node 16 bits | generation 21 | slot 27 (libs/pid).
struct Pid {
  bits @0 :UInt64;
}

enum ExitKind {
  normal @0;
  shutdown @1;
  killed @2;
  crash @3;
  timeout @4;
  overflow @5;
  noproc @6;
  noconnection @7;
  maxIntensity @8;
}

struct ExitReason {
  kind @0 :ExitKind;
  detail @1 :Text;
}

# absl::Status: the canonical code (0 = OK .. 16, as in absl::StatusCode and
# google.rpc.Code) and the message.
struct Status {
  code @0 :UInt32;
  message @1 :Text;
}
