#include "val_split.hpp"

namespace mmkd::text {

namespace {

uint64_t fnv1a_64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

// splitmix64's finalizer: every input bit reaches every output bit.
uint64_t mix_bits(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

bool in_val_split(std::string_view text, uint64_t seed, double fraction) {
  const uint64_t hash = mix_bits(fnv1a_64(text) ^ mix_bits(seed));
  return static_cast<double>(hash >> 11) * 0x1.0p-53 < fraction;
}

}  // namespace mmkd::text
