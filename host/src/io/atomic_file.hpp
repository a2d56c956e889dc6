#pragma once
// Writing a file so that readers see either the old content or the new, never a part.
#include <functional>
#include <string>

namespace mmkd {

// Calls `write` with a temporary path in the folder of `path` (created if missing), fsyncs
// that file, renames it over `path` and fsyncs the folder. If anything throws, the
// temporary file is removed, `path` keeps its old content, and the exception propagates.
void write_file_atomically(const std::string& path, const std::function<void(const std::string& temporary_path)>& write);

void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace mmkd
