#include <mmkd/cuda_autocast.hpp>
#include <mmkd/version.hpp>

#include <ATen/autocast_mode.h>

namespace mmkd {

CudaAutocast CudaAutocast::current() {
#if MMKD_TORCH_AT_LEAST(2, 4)
  return {at::autocast::is_autocast_enabled(at::kCUDA), at::autocast::get_autocast_dtype(at::kCUDA)};
#else
  return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
#endif
}

void CudaAutocast::apply() const {
#if MMKD_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(enabled);
#endif
}

}  // namespace mmkd
