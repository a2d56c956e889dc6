#pragma once
// What a dataset does with a sample it cannot read: use the next index instead and count it,
// or stop with the error.
#include <mmkd/error.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace mmkd::image {

// load(index), or with `skip` load(index + 1), load(index + 2), ... (wrapping around) after a
// mmkd::Error, each failure counted in `skipped`; rethrows when `skip` is false and throws
// mmkd::Error naming `what` when no index of `count` loads.
template <class Load>
auto first_readable(int64_t index, int64_t count, bool skip, std::atomic<int64_t>& skipped, const std::string& what,
                    Load&& load) -> decltype(load(index)) {
  if (index < 0 || index >= count)
    throw Error(what + ": index " + std::to_string(index) + " is outside [0, " + std::to_string(count) + ")");
  for (int64_t attempt = 0; attempt < count; ++attempt) {
    try {
      return load((index + attempt) % count);
    } catch (const Error&) {
      if (!skip) throw;
      ++skipped;
    }
  }
  throw Error(what + ": no sample could be read");
}

}  // namespace mmkd::image
