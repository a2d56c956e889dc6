#pragma once
// A small generator owned by one sample (SplitMix64), so a sample depends only on
// (dataset seed, index) and never on call order or on a global generator.
#include <cstdint>

namespace mmkd::synthetic_shapes {

class SampleRandom {
 public:
  SampleRandom(uint64_t seed, uint64_t index) : state_(mix(seed) ^ mix(index + 0x632BE59BD9B4E019ULL)) {}

  uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

}  // namespace mmkd::synthetic_shapes
