#pragma once
// `mmkd NAME ARGS...` for a NAME that is no built-in command: runs the executable `mmkd-NAME`
// from the folder of the mmkd binary, as git runs git-NAME; plugins ship their tools this way
// (e.g. mmkd-wandb-sync).
#include <optional>
#include <string>
#include <vector>

namespace mmkd {

// The tool's path when it exists and is executable.
std::optional<std::string> external_command(const std::string& name);

// Replaces this process by the tool; returns only when that fails (with an exit code).
int exec_external_command(const std::string& path, const std::vector<std::string>& arguments);

}  // namespace mmkd
