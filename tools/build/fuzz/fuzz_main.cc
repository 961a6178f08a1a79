// Copyright Myrmidon authors.
//
// A driver for libFuzzer targets (LLVMFuzzerTestOneInput) that builds with
// GCC, so that every fuzz target runs in the test command (under ASAN and
// UBSan there) on machines without clang. It is not a coverage-guided
// fuzzer: it feeds the target its seed inputs (MyrFuzzSeeds, if the target
// defines it, and any files named on the command line), then a fixed number
// of seeded random mutations of them (bit flips, truncations, insertions,
// splices, random bytes). The same target links unchanged against the real
// libFuzzer with clang for long runs (docs/building.md, "Fuzzing").
//
//   bazel test --config=asan //libs/wire:forms_fuzz          # short, in CI
//   MYR_FUZZ_RUNS=2000000 bazel-bin/libs/wire/forms_fuzz      # longer, by hand
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional: the target's seed inputs.
extern "C" __attribute__((weak)) void MyrFuzzSeeds(std::vector<std::string>* seeds);

namespace {

std::string Mutate(std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  std::string s = seeds[rng() % seeds.size()];
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // truncate
        if (!s.empty()) s.resize(rng() % s.size());
        break;
      case 2:  // insert random bytes
        s.insert(s.empty() ? 0 : rng() % s.size(), std::string(1 + rng() % 16, static_cast<char>(rng())));
        break;
      case 3:  // overwrite a word with an extreme value
        if (s.size() >= 8) {
          const size_t at = (rng() % (s.size() / 8)) * 8;
          const uint64_t v = (rng() % 2) ? ~uint64_t{0} : (uint64_t{1} << (rng() % 64));
          for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
        }
        break;
      case 4: {  // splice with another seed
        const std::string& o = seeds[rng() % seeds.size()];
        s = s.substr(0, s.empty() ? 0 : rng() % s.size()) + o.substr(o.empty() ? 0 : rng() % o.size());
        break;
      }
      default: {  // random bytes
        std::string r(rng() % 64, '\0');
        for (char& c : r) c = static_cast<char>(rng());
        s = r;
      }
    }
  }
  return s;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  if (MyrFuzzSeeds != nullptr) MyrFuzzSeeds(&seeds);
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "fuzz: cannot read %s\n", argv[i]);
      return 2;
    }
    seeds.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) seeds.push_back("");
  for (const std::string& s : seeds) Run(s);
  const char* env = std::getenv("MYR_FUZZ_RUNS");
  const long runs = env != nullptr ? std::atol(env) : 20000;
  std::mt19937_64 rng(0x5eed);
  for (long i = 0; i < runs; ++i) Run(Mutate(rng, seeds));
  std::printf("fuzz: %zu seeds, %ld mutated inputs: no crash\n", seeds.size(), runs);
  return 0;
}
