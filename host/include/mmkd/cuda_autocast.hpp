#pragma once
// CUDA autocast (mixed precision) switched on or off with its dtype, the same on every libtorch
// version mmkd builds against.
#include <c10/core/ScalarType.h>

namespace mmkd {

struct CudaAutocast {
  bool enabled = false;
  c10::ScalarType dtype = c10::kHalf;

  static CudaAutocast current();  // the state autocast is in now
  void apply() const;             // puts autocast in this state
};

}  // namespace mmkd
