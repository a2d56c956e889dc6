#pragma once
// The thesis' cleaning of OpenWebText before tokenizing (Section 2.1.3.1, its preprocess_owt.py):
// lines holding a NUL byte and lines that are `---` once stripped of whitespace are dropped.
#include <string>

namespace mmkd::text {

std::string drop_noise_lines(const std::string& text);

}  // namespace mmkd::text
