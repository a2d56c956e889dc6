#pragma once
// What an error says to a user: libtorch's message without its C++ backtrace, unless the
// environment variable MMKD_BACKTRACE is set (for developers).
#include <exception>
#include <string>

namespace mmkd {

std::string error_text(const std::exception& e);

}  // namespace mmkd
