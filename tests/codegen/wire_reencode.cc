// Copyright Myrmidon authors.
//
// wire_reencode: reads lines "<capnp struct path> <hex>" (a framed capnp
// message of schemas/examples/bank.capnp or common.capnp), decodes each with
// the generated FromWire into actorc's C++ type, encodes that value again
// with the generated ToWire, and prints the new message as hex (or
// "error: <status>"). wire_vectors_test.py compares the output with the
// bytes the system capnp encoder produced: equal bytes mean the C++
// encoder writes exactly what libcapnp's own encoder writes for the value.
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "capnp/serialize.h"
#include "kj/array.h"
#include "schemas/examples/bank.actor.h"

namespace {

using Fn = std::function<std::string(kj::ArrayPtr<const capnp::word>)>;

template <typename W>
std::string Reencode(kj::ArrayPtr<const capnp::word> words) {
  auto value = myr::actorc_support::Decode<W>(words);
  if (!value.ok()) return absl::StrCat("error: ", value.status().ToString());
  kj::Array<capnp::word> out = myr::actorc_support::Encode<W>(*value);
  auto bytes = out.asBytes();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
}

const std::map<std::string, Fn>& Table() {
  namespace bw = myr::bank::wire;
  namespace cw = myr::common::wire;
  static const auto* table = new std::map<std::string, Fn>{
      {"Money", Reencode<cw::Money>},
      {"Transaction", Reencode<bw::Transaction>},
      {"Scalars", Reencode<bw::Scalars>},
      {"Pids", Reencode<bw::Pids>},
      {"Account.BalanceParams", Reencode<bw::Account::BalanceParams>},
      {"Account.BalanceResults", Reencode<bw::Account::BalanceResults>},
      {"Account.DepositParams", Reencode<bw::Account::DepositParams>},
      {"Account.DepositResults", Reencode<bw::Account::DepositResults>},
      {"Account.WithdrawParams", Reencode<bw::Account::WithdrawParams>},
      {"Account.WithdrawResults", Reencode<bw::Account::WithdrawResults>},
      {"Account.AnnotateParams", Reencode<bw::Account::AnnotateParams>},
      {"Account.HistoryParams", Reencode<bw::Account::HistoryParams>},
      {"Account.HistoryItem", Reencode<bw::Account::HistoryItem>},
      {"Account.HistoryOpen", Reencode<bw::Account::HistoryOpen>},
      {"Account.HistoryEvent", Reencode<bw::Account::HistoryEvent>},
      {"Account.PingParams", Reencode<bw::Account::PingParams>},
      {"Bank.OpenParams", Reencode<bw::Bank::OpenParams>},
      {"Bank.OpenResults", Reencode<bw::Bank::OpenResults>},
      {"Bank.OpenLegacyParams", Reencode<bw::Bank::OpenLegacyParams>},
      {"Bank.LocateParams", Reencode<bw::Bank::LocateParams>},
      {"Bank.LocateResults", Reencode<bw::Bank::LocateResults>},
  };
  return *table;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t sp = line.find(' ');
    std::string path = line.substr(0, sp);
    std::string bytes = absl::HexStringToBytes(sp == std::string::npos ? "" : line.substr(sp + 1));
    auto it = Table().find(path);
    if (it == Table().end()) {
      std::cout << "error: no C++ glue for " << path << "\n";
      continue;
    }
    if (bytes.size() % sizeof(capnp::word) != 0) {
      std::cout << "error: not whole words\n";
      continue;
    }
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    memcpy(static_cast<void*>(words.begin()), bytes.data(), bytes.size());
    std::cout << it->second(words.asPtr()) << "\n";
  }
  return 0;
}
