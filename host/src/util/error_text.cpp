#include "util/error_text.hpp"

#include <c10/util/Exception.h>

#include <cstdlib>

namespace mmkd {

std::string error_text(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  if (torch_error == nullptr || std::getenv("MMKD_BACKTRACE") != nullptr) return e.what();
  return torch_error->what_without_backtrace();
}

}  // namespace mmkd
