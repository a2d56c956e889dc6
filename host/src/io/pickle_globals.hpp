#pragma once
// The globals a checkpoint's pickle may name: torch's tensor rebuilding, containers, and the
// configuration classes real checkpoints hold (argparse, omegaconf, fairseq, numpy values, ...),
// which become inert placeholders. Every other global is refused.
#include "io/pickle_value.hpp"

#include <string>

namespace mmkd::pickle {

// The global `module`.`name` (Python 2 module names read as Python 3's), or throws mmkd::Error
// naming `file` and the refused global.
ValuePtr resolve_global(const std::string& module, const std::string& name, const std::string& file);

}  // namespace mmkd::pickle
