// Test vectors for the Python Cap'n Proto runtime (codegen/actorc/wire),
// built with the real C++ capnp library.
//
//   wire_vectors write DIR         writes DIR/<name>.bin for every vector
//                                  (capnp::messageToFlatArray, one segment)
//                                  and DIR/<name>.multi.bin, the same message
//                                  built with tiny segments (far pointers)
//   wire_vectors check NAME FILE   reads FILE, compares it with vector NAME
//                                  (capnp::canonicalize on both sides) and
//                                  prints "OK NAME" or "MISMATCH NAME"
//   wire_vectors dump NAME FILE    prints FILE's root in capnp text form
//
// Every builder below sets fields in the canonical order documented in
// ../README.md: ordinal order, depth first (a nested struct or list is
// filled completely before the next field of its parent), list elements in
// index order. testing/vectors.py holds the same values for Python.

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/string.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "codegen/actorc/wire/testing/wire_test.capnp.h"

namespace {

using capnp::Data;
using wiretest::AllTypes;
using wiretest::Color;
using wiretest::Inner;

Data::Reader bytes(const std::vector<uint8_t>& v) { return Data::Reader(v.data(), v.size()); }

template <typename L, typename T>
void fill(L list, std::initializer_list<T> values) {
  unsigned i = 0;
  for (const T& v : values) list.set(i++, v);
}

const std::vector<uint8_t>& all_bytes() {
  static const std::vector<uint8_t> v = [] {
    std::vector<uint8_t> r;
    for (int i = 0; i < 256; ++i) r.push_back(static_cast<uint8_t>(i));
    return r;
  }();
  return v;
}

void build_zero(AllTypes::Builder) {}

void build_max(AllTypes::Builder m) {
  m.setB(true);
  m.setI8(std::numeric_limits<int8_t>::max());
  m.setI16(std::numeric_limits<int16_t>::max());
  m.setI32(std::numeric_limits<int32_t>::max());
  m.setI64(std::numeric_limits<int64_t>::max());
  m.setU8(std::numeric_limits<uint8_t>::max());
  m.setU16(std::numeric_limits<uint16_t>::max());
  m.setU32(std::numeric_limits<uint32_t>::max());
  m.setU64(std::numeric_limits<uint64_t>::max());
  m.setF32(std::numeric_limits<float>::max());
  m.setF64(std::numeric_limits<double>::max());
  m.setColor(Color::BLUE);
  m.setB2(true);
  m.setB3(true);
  m.setU8b(255);
}

void build_min(AllTypes::Builder m) {
  m.setI8(std::numeric_limits<int8_t>::min());
  m.setI16(std::numeric_limits<int16_t>::min());
  m.setI32(std::numeric_limits<int32_t>::min());
  m.setI64(std::numeric_limits<int64_t>::min());
  m.setF32(-1.5f);
  m.setF64(-2.5e-300);
  m.setColor(Color::GREEN);
  m.setB3(true);
}

void build_full(AllTypes::Builder m) {
  m.setB(true);
  m.setI8(-5);
  m.setI16(-1234);
  m.setI32(-123456);
  m.setI64(-9876543210123LL);
  m.setU8(200);
  m.setU16(60000);
  m.setU32(4000000000u);
  m.setU64(0xDEADBEEFCAFEBABEULL);
  m.setF32(0.25f);
  m.setF64(3.141592653589793);
  m.setColor(Color::GREEN);
  m.setText("h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x90\x9c");
  m.setData(bytes(all_bytes()));
  {
    auto in = m.initInner();
    in.setId(42);
    in.setName("inner");
    in.setFlag(true);
    fill(in.initTags(3), {"a", "bc", ""});
    auto child = in.initChild();
    child.setId(43);
    child.setName("child");
  }
  m.initEmpty();
  fill(m.initBoolList(9), {true, false, true, true, false, false, false, true, true});
  fill(m.initI8List(3), {int8_t(-128), int8_t(0), int8_t(127)});
  fill(m.initI16List(3), {int16_t(-32768), int16_t(1), int16_t(32767)});
  fill(m.initI32List(4), {std::numeric_limits<int32_t>::min(), -1, 0, std::numeric_limits<int32_t>::max()});
  fill(m.initI64List(3), {std::numeric_limits<int64_t>::min(), int64_t(0), std::numeric_limits<int64_t>::max()});
  fill(m.initU8List(3), {uint8_t(0), uint8_t(255), uint8_t(7)});
  fill(m.initU16List(2), {uint16_t(0), uint16_t(65535)});
  fill(m.initU32List(2), {uint32_t(1), uint32_t(4294967295u)});
  fill(m.initU64List(2), {uint64_t(0), std::numeric_limits<uint64_t>::max()});
  fill(m.initF32List(3), {1.0f, -0.5f, 65504.0f});
  fill(m.initF64List(3), {0.1, -1e300, 2.0});
  fill(m.initColorList(3), {Color::RED, Color::BLUE, Color::GREEN});
  fill(m.initTextList(3), {"x", "", "\xc3\xbcn\xc3\xaf"});
  {
    auto l = m.initDataList(3);
    static const std::vector<uint8_t> e, two{0, 1}, abc{'a', 'b', 'c'};
    l.set(0, bytes(e));
    l.set(1, bytes(two));
    l.set(2, bytes(abc));
  }
  {
    auto l = m.initInnerList(3);
    l[0].setId(1);
    l[0].setName("one");
    l[1].setId(2);
    fill(l[1].initTags(1), {"t"});
    l[2].setId(3);
    l[2].initChild().setId(4);
  }
  m.initEmptyList(5);
  {
    auto l = m.initI32Lists(3);
    fill(l.init(0, 2), {1, -2});
    l.init(1, 0);
    fill(l.init(2, 1), {2147483647});
  }
}

void build_empty_lists(AllTypes::Builder m) {
  m.setText("");
  m.setData(Data::Reader());
  m.initInner();
  m.initEmpty();
  m.initBoolList(0);
  m.initI8List(0);
  m.initI16List(0);
  m.initI32List(0);
  m.initI64List(0);
  m.initU8List(0);
  m.initU16List(0);
  m.initU32List(0);
  m.initU64List(0);
  m.initF32List(0);
  m.initF64List(0);
  m.initColorList(0);
  m.initTextList(0);
  m.initDataList(0);
  m.initInnerList(0);
  m.initEmptyList(0);
  m.initI32Lists(0);
}

void build_big(AllTypes::Builder m) {
  m.setI32(7);
  {
    auto l = m.initU64List(3000);
    for (unsigned i = 0; i < 3000; ++i) l.set(i, uint64_t(i) * 12345678901ULL);
  }
  {
    auto l = m.initTextList(500);
    for (unsigned i = 0; i < 500; ++i) l.set(i, kj::str("item ", i));
  }
  {
    auto l = m.initInnerList(200);
    for (unsigned i = 0; i < 200; ++i) {
      l[i].setId(i);
      l[i].setName(kj::str("n", i));
      l[i].setFlag(i % 3 == 0);
    }
  }
}

// An Inner root, checked against the hand-made multi-segment message with
// single and double far pointers that testing/vectors.py writes.
void build_inner_far(Inner::Builder m) {
  m.setId(7);
  m.setName("far");
  m.initChild().setId(9);
}

struct Vector {
  bool inner_root;
  std::function<void(AllTypes::Builder)> all;
  std::function<void(Inner::Builder)> inner;
};

const std::map<std::string, Vector>& vectors() {
  static const std::map<std::string, Vector> v = {
      {"zero", {false, build_zero, nullptr}},
      {"max", {false, build_max, nullptr}},
      {"min", {false, build_min, nullptr}},
      {"full", {false, build_full, nullptr}},
      {"empty_lists", {false, build_empty_lists, nullptr}},
      {"big", {false, build_big, nullptr}},
      {"inner_far", {true, nullptr, build_inner_far}},
  };
  return v;
}

// A first segment big enough that every vector stays in one segment.
constexpr unsigned kOneSegmentWords = 1u << 16;

void build(const Vector& v, capnp::MessageBuilder& b) {
  if (v.inner_root) {
    v.inner(b.initRoot<Inner>());
  } else {
    v.all(b.initRoot<AllTypes>());
  }
}

bool write_file(const std::string& path, kj::ArrayPtr<const kj::byte> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  return static_cast<bool>(out);
}

int cmd_write(const std::string& dir) {
  for (const auto& [name, v] : vectors()) {
    if (v.inner_root) continue;  // inner_far is made on the Python side
    capnp::MallocMessageBuilder one(kOneSegmentWords, capnp::AllocationStrategy::FIXED_SIZE);
    build(v, one);
    if (one.getSegmentsForOutput().size() != 1) {
      std::fprintf(stderr, "vector %s does not fit one segment\n", name.c_str());
      return 1;
    }
    auto flat = capnp::messageToFlatArray(one);
    if (!write_file(dir + "/" + name + ".bin", flat.asBytes())) return 1;
    // Tiny fixed-size segments: objects spill into new segments through far
    // pointers (exercises the Python reader's far-pointer path).
    capnp::MallocMessageBuilder multi(16, capnp::AllocationStrategy::FIXED_SIZE);
    build(v, multi);
    auto flat2 = capnp::messageToFlatArray(multi);
    if (!write_file(dir + "/" + name + ".multi.bin", flat2.asBytes())) return 1;
  }
  return 0;
}

kj::Array<capnp::word> read_words(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  *ok = static_cast<bool>(in) || in.eof();
  if (s.size() % sizeof(capnp::word) != 0) *ok = false;
  auto words = kj::heapArray<capnp::word>(s.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), s.data(), words.size() * sizeof(capnp::word));
  return words;
}

int cmd_check(const std::string& name, const std::string& path, bool dump) {
  auto it = vectors().find(name);
  if (it == vectors().end()) {
    std::fprintf(stderr, "unknown vector %s\n", name.c_str());
    return 2;
  }
  bool ok = false;
  auto words = read_words(path, &ok);
  if (!ok) {
    std::fprintf(stderr, "cannot read %s (or not a whole number of words)\n", path.c_str());
    return 2;
  }
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder expected(kOneSegmentWords, capnp::AllocationStrategy::FIXED_SIZE);
  build(it->second, expected);
  kj::Array<capnp::word> got_c, want_c;
  kj::String text;
  if (it->second.inner_root) {
    auto got = reader.getRoot<Inner>();
    text = kj::str(got);
    got_c = capnp::canonicalize(got);
    want_c = capnp::canonicalize(expected.getRoot<Inner>().asReader());
  } else {
    auto got = reader.getRoot<AllTypes>();
    text = kj::str(got);
    got_c = capnp::canonicalize(got);
    want_c = capnp::canonicalize(expected.getRoot<AllTypes>().asReader());
  }
  if (dump) {
    std::printf("%s\n", text.cStr());
    return 0;
  }
  bool same = got_c.size() == want_c.size() &&
              std::memcmp(got_c.begin(), want_c.begin(), got_c.asBytes().size()) == 0;
  std::printf("%s %s\n", same ? "OK" : "MISMATCH", name.c_str());
  if (!same) std::printf("got: %s\n", text.cStr());
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 2 && args[0] == "write") return cmd_write(args[1]);
    if (args.size() == 3 && args[0] == "check") return cmd_check(args[1], args[2], false);
    if (args.size() == 3 && args[0] == "dump") return cmd_check(args[1], args[2], true);
  } catch (const kj::Exception& e) {
    std::printf("ERROR %s\n", e.getDescription().cStr());
    return 1;
  }
  std::fprintf(stderr, "usage: wire_vectors write DIR | check NAME FILE | dump NAME FILE\n");
  return 2;
}
