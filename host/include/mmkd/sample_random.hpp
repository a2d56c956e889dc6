#pragma once
// The random choices of one sample (SplitMix64), made from the `seed` the host passes to
// Dataset::get, so that a sample's augmentation depends on that seed alone, never on call order,
// threads or a global generator.
#include <cmath>
#include <cstdint>

namespace mmkd {

class SampleRandom {
 public:
  explicit SampleRandom(uint64_t seed) : state_(mix(seed ^ 0x6A09E667F3BCC909ULL)) {}
  // A generator continuing from `state` (a dataset that mixes its own seed).
  static SampleRandom with_state(uint64_t state) {
    SampleRandom random(0);
    random.state_ = state;
    return random;
  }

  uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // An integer in [lo, hi), hi > lo.
  int64_t integer(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo)); }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller).
  double normal() {
    const double u = 1.0 - uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }

  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace mmkd
