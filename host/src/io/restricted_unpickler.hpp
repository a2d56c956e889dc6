#pragma once
// A pickle reader that never runs code. It builds plain values (None, bool, int, float, str,
// bytes, tuple, list, set, dict), rebuilds tensors only through torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter, and turns calls of allowed configuration classes (pickle_globals.hpp) into
// inert placeholders: REDUCE, NEWOBJ and BUILD on them only record their arguments. Any other
// global stops the load. The opcodes of protocols 2 to 5 and the binary ones of protocol 1 are
// read; protocol 0's text opcodes and INST/OBJ, which torch.save's files do not use, are not.
#include "io/pickle_value.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mmkd::pickle {

// Turns a persistent id (torch: a tuple naming a storage) into a value.
using PersistentLoad = std::function<ValuePtr(const Value& persistent_id)>;

struct Unpickled {
  ValuePtr root;
  size_t end = 0;                                      // offset just past the STOP opcode
  std::vector<std::shared_ptr<TensorRecord>> tensors;  // every tensor rebuilt, storages not yet read
};

// Reads the pickle that starts at `start` of `bytes`. Errors name `where` (the file, and the
// archive member) and the byte offset.
Unpickled unpickle(std::string_view bytes, size_t start, const std::string& where,
                   const PersistentLoad& persistent_load);

}  // namespace mmkd::pickle
