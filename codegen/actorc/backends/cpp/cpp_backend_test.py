"""The C++ backend: goldens (bank.actor, extra.actor and their imports) and
the exact texts of the constructs the README documents. The generated code
is compiled and run by //tests/codegen:bank_actor_test.

Update the goldens: python3 codegen/actorc/backends/cpp/cpp_backend_test.py --update
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
import testutil  # noqa: E402

GOLDEN = testutil.golden_dir(__file__)


class CppBackendTest(unittest.TestCase):
    def test_goldens(self):
        testutil.check_backend_goldens(self, "cpp", GOLDEN)

    def test_output_names_and_header(self):
        _, outputs = testutil.generate("cpp", testutil.BANK)
        self.assertEqual(sorted(outputs), ["bank.actor.cc", "bank.actor.h", "common.actor.cc", "common.actor.h"])
        testutil.check_headers(self, "cpp", testutil.BANK, "//")

    def test_mapping(self):
        _, outputs = testutil.generate("cpp", testutil.BANK)
        h = outputs["bank.actor.h"]
        self.assertIn("namespace myr::bank {\n", h)
        self.assertIn('#include "common.actor.h"\n#include "bank.capnp.h"\n', h)
        self.assertIn("enum class Kind : uint16_t {\n  deposit = 0,\n  withdrawal = 1,\n  transfer = 2,\n};\n", h)
        self.assertIn("  ::myr::common::Money amount{};\n  absl::Time at{};\n"
                      "  /// Free text from the customer; absent when none was given.\n"
                      "  std::optional<std::string> memo{};\n  std::vector<std::string> tags{};\n"
                      "  std::map<std::string, std::string> attributes{};\n  absl::Duration settlementDelay{};\n", h)
        self.assertIn("  friend bool operator==(const Transaction&, const Transaction&) = default;\n", h)
        # Replies: one result -> its type; several -> <Method>Results; none -> void.
        self.assertIn("  struct Balance {\n    static constexpr uint16_t kOrdinal = 0;\n"
                      "    using Reply = ::myr::common::Money;\n", h)
        self.assertIn("    using Reply = Account::DepositResults;\n", h)
        self.assertIn("    using Reply = void;\n", h)
        self.assertIn("template <typename Derived>\nclass AccountActor : public ::myr::Actor<Derived, Account::Balance, "
                      "Account::Deposit, Account::Withdraw, Account::Annotate, Account::History, Account::Ping> {\n", h)
        self.assertIn("    options.mailbox = ::myr::MailboxOptions::Bounded(1024, ::myr::OverflowPolicy::kDropNew);\n", h)
        self.assertIn("    options.mailbox = ::myr::MailboxOptions::Unbounded();\n", h)
        self.assertIn("  static constexpr absl::Duration kHistoryTimeout = absl::Milliseconds(250);\n", h)
        self.assertIn("  static constexpr absl::Duration kOpenTimeout = ::myr::actorc_support::kDefaultTimeout;\n", h)
        self.assertIn('    static_assert(requires(const Derived& d, Account::Balance& m) { d.Handle(m); },\n'
                      '                  "AccountActor: the implementation must declare a const handler "\n'
                      '                  "Handle(Account::Balance&) const (method \'balance\' is [readonly])");\n', h)
        cc = outputs["bank.actor.cc"]
        self.assertIn("    // std::map iterates in key order: entries are written sorted by key.\n", cc)
        self.assertIn("  if (v.memo.has_value()) {\n"
                      "    b.setMemo(::capnp::Text::Reader((*v.memo).data(), (*v.memo).size()));\n  }\n", cc)

    def test_wire_codecs_dispatch_tables_and_registration(self):
        _, outputs = testutil.generate("cpp", testutil.BANK)
        h, cc = outputs["bank.actor.h"], outputs["bank.actor.cc"]
        # A plain struct: its own capnp struct id; the IDL full name.
        self.assertIn("  // Wire codec (libs/sched/wire_codec.h): a framed Cap'n Proto wire::Transaction.\n"
                      "  static constexpr uint64_t kWireId = 0x9f3d712fcb4251b2ULL;\n"
                      '  static constexpr const char* kWireName = "myr.bank.Transaction";\n'
                      "  static absl::Status EncodeWire(const Transaction& v, std::string* out);\n"
                      "  static absl::StatusOr<Transaction> DecodeWire(absl::string_view bytes);\n"
                      "  static const ::myr::wire::Codec& WireCodec();\n", h)
        # A call with a reply value: the Params id, and the reply's codec.
        self.assertIn("    static constexpr uint64_t kWireId = 0xed3faf457c56072cULL;\n"
                      '    static constexpr const char* kWireName = "myr.bank.Account.deposit";\n'
                      "    static absl::Status EncodeWire(const Deposit& v, std::string* out);\n"
                      "    static absl::StatusOr<Deposit> DecodeWire(absl::string_view bytes);\n"
                      "    // The reply value as a framed wire::Account::DepositResults.\n"
                      "    static absl::Status EncodeReplyWire(const Reply& v, std::string* out);\n"
                      "    static absl::StatusOr<Reply> DecodeReplyWire(absl::string_view bytes);\n", h)
        # A stream's request crosses as <Method>Open, its events as <Method>Event.
        self.assertIn("    // Wire codec (libs/sched/wire_codec.h): a framed Cap'n Proto wire::Account::HistoryOpen.\n"
                      "    static constexpr uint64_t kWireId = 0xf91c254c3ee392ceULL;\n"
                      '    static constexpr const char* kWireName = "myr.bank.Account.history";\n', h)
        self.assertIn('    static constexpr const char* kWireName = "myr.bank.Account.HistoryEvent";\n', h)
        self.assertIn("  static const ::myr::wire::DispatchTable& Dispatch();\n", h)
        self.assertIn('#include "libs/wire/codec.h"\n', h)
        self.assertNotIn("libs/sched/wire_codec.h\"", h)  # only the .cc builds codecs
        self.assertIn("absl::StatusOr<Account::Balance::Reply> Account::Balance::DecodeReplyWire(absl::string_view bytes) {\n"
                      "  return ::myr::actorc_support::DecodeWire<wire::Account::BalanceResults>(bytes);\n}\n", cc)
        self.assertIn("const ::myr::wire::Codec& Account::Ping::WireCodec() { return ::myr::WireCodecFor<Account::Ping>(); }\n", cc)
        self.assertIn('      kTypeId, "myr.bank.Account", {\n          &Balance::WireCodec(),  // @0\n', cc)
        self.assertIn("    ::myr::wire::RegisterTypes<\n        Transaction,\n", cc)
        self.assertIn("        Account::History,\n        Account::HistoryEvent,\n", cc)
        self.assertIn("        Bank::Locate>() &&\n"
                      "    ::myr::wire::RegisterDispatchAtStartup(Account::Dispatch()) &&\n"
                      "    ::myr::wire::RegisterDispatchAtStartup(Bank::Dispatch());\n", cc)
        # The stream's glue: routing, then the parameters; the status as code + message.
        self.assertIn("  b.setSubscriber(v.subscriber.bits());\n  b.setStream(v.stream);\n  ToWire(v, b.initParams());\n", cc)
        self.assertIn("  out.status = ::myr::actorc_support::StatusFromWire(r.getCode(), r.getMessage());\n", cc)
        # A file without actors registers its types only.
        common = outputs["common.actor.cc"]
        self.assertIn("    ::myr::wire::RegisterTypes<\n        Money>();\n", common)
        self.assertNotIn("RegisterDispatchAtStartup", common)

    def test_optional_scalars_use_wrappers(self):
        _, outputs = testutil.generate("cpp", testutil.EXTRA)
        cc = outputs["extra.actor.cc"]
        self.assertIn("  if (v.maybeInt.has_value()) {\n    auto w0 = b.initMaybeInt();\n"
                      "    w0.setValue((*v.maybeInt));\n  }\n", cc)
        self.assertIn("  out.maybeInt.reset();\n  if (r.hasMaybeInt()) {\n    out.maybeInt.emplace();\n"
                      "    (*out.maybeInt) = r.getMaybeInt().getValue();\n  }\n", cc)


if __name__ == "__main__":
    unittest.main()
